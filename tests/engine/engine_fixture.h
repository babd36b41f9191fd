// EngineFixture: a real Log in a fresh temporary directory (SyncPolicy::kNone for speed), a
// ManualClock and an Engine on top, with helpers to build inputs and to reopen from the log.
//
// Not thread safe itself; the Engine it holds is.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/engine.h"
#include "log/log.h"
#include "log/logger.h"

namespace tally::engine {

// 2024-06-01T00:00:00Z: "now" for every fixture unless a test moves the clock.
inline constexpr TimeUs kFixtureNowUs = 1'717'200'000'000'000;
inline constexpr TimeUs kSecondUs = 1'000'000;
inline constexpr TimeUs kDayUs = 86'400 * kSecondUs;

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kWarn);  // replay's info lines would drown the test output
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("tally_engine_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(dir_);
    Open();
  }

  void TearDown() override {
    engine_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open() {
    log::LogOptions options;
    options.dir = dir_;
    options.sync = log::SyncPolicy::kNone;
    options.segment_bytes = 4ull << 20;
    auto log = log::Log::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    auto engine = Engine::Open({log_.get(), &clock_, segment_timer_});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  // Closes engine and log and replays the log into a new engine.
  void Reopen() {
    engine_.reset();
    ASSERT_TRUE(log_->Close().ok());
    log_.reset();
    Open();
  }

  static EventInput Input(std::string email, std::string event_name, std::string external_id,
                          TimeUs occurred_at) {
    EventInput in;
    in.email = std::move(email);
    in.event_name = std::move(event_name);
    in.external_id = std::move(external_id);
    in.occurred_at = occurred_at;
    return in;
  }

  static EventInput Purchase(std::string email, std::string external_id, TimeUs occurred_at,
                             double value) {
    EventInput in = Input(std::move(email), "order.completed", std::move(external_id), occurred_at);
    in.goal_type = "purchase";
    in.goal_value = value;
    return in;
  }

  UpsertOutcome MustUpsert(const EventInput& in, const std::string& ws = "ws") {
    auto r = engine_->Upsert(ws, in);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : UpsertOutcome{};
  }

  AggregateValue Agg(const std::string& email, std::optional<GoalType> type, AggregateOp op,
                     TimeRange range = {}, std::optional<std::string> goal_name = std::nullopt) {
    AggregateQuery q;
    q.workspace_id = "ws";
    q.email = email;
    q.goal_type = type;
    q.goal_name = std::move(goal_name);
    q.op = op;
    q.range = range;
    auto r = engine_->Aggregate(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AggregateValue{};
  }

  std::vector<TimelineEntry> AllTimeline(const std::string& email) {
    std::vector<TimelineEntry> all;
    std::string cursor;
    for (;;) {
      auto page = engine_->Timeline("ws", email, 100, cursor);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return all;
      for (auto& e : page->entries) all.push_back(std::move(e));
      if (!page->next_cursor) return all;
      cursor = *page->next_cursor;
    }
  }

  std::filesystem::path dir_;
  ManualClock clock_{kFixtureNowUs};
  bool segment_timer_ = true;  // EngineOptions::segment_timer of the next Open()
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace tally::engine
