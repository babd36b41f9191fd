// Snapshots taken while 8 threads write (upserts, moves, imports, erasures) and another moves
// the clock, processes segment boundaries and updates a segment: each snapshot equals the log
// replayed up to its LSN, exactly. Named Concurrent* so that the ThreadSanitizer pass runs it.
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "log/log_reader.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/snapshot_test_support.h"

namespace tally::engine {
namespace {

constexpr int kWriters = 8;
constexpr int kSnapshots = 4;

class ConcurrentSnapshotTest : public EngineFixture {
 protected:
  void SetUp() override {
    segment_timer_ = false;
    EngineFixture::SetUp();
  }

  // One writer's loop: upserts (some moving events between emails), imports and erasures.
  void Write(int writer, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(writer));
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    while (!stop.load()) {
      const int kind = pick(20);
      const std::string email = SnapshotTestEmail(pick(kSnapshotTestEmails));
      if (kind == 0) {
        (void)engine_->EraseContact("ws", email);
        continue;
      }
      EventInput in = Purchase(email, "k" + std::to_string(pick(200)),
                               kFixtureNowUs - pick(10'000) * kSecondUs, 1 + pick(100));
      in.event_name = kSnapshotTestNames[pick(3)];
      if (kind <= 3) {
        std::vector<EventInput> batch = {in};
        in.external_id = "x" + std::to_string(pick(200));
        batch.push_back(in);
        ASSERT_TRUE(engine_->Import("ws", batch).status.ok());
      } else {
        ASSERT_TRUE(engine_->Upsert("ws", in).ok());
      }
    }
  }

  // Time passing: memberships of the time-bound segment change, and now and then a segment
  // definition (which waits for a running snapshot) changes the other.
  void PassTime(const std::atomic<bool>& stop) {
    for (int round = 0; !stop.load(); ++round) {
      clock_.Advance(20 * 60 * kSecondUs);
      ASSERT_TRUE(engine_->ProcessSegmentBoundaries().ok());
      if (round % 8 == 0) {
        ASSERT_TRUE(engine_->UpdateSegment("ws", SumSegment(round % 100)).ok());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  static SegmentInput SumSegment(int value) {
    return {"s1", "sum", "",
            GoalLeafJson(R"("goal_type":"*","aggregate_operator":"sum",)"
                         R"("operator":"gte","timeframe_operator":"anytime",)"
                         R"("value":)" +
                         std::to_string(value)),
            ""};
  }
};

TEST_F(ConcurrentSnapshotTest, ConcurrentWritersSnapshotEqualsTheLogReplayedToItsLsn) {
  // The workspace exists before the writers start, so every snapshot holds it.
  MustUpsert(Input(SnapshotTestEmail(0), "order", "seed", kFixtureNowUs));
  const SegmentInput recent{"s0", "recent", "",
                            TimelineLeafJson(R"("kind":"custom_event.order",)"
                                             R"("count_operator":"at_least","count_value":1,)"
                                             R"("timeframe_operator":"in_the_last_days",)"
                                             R"("timeframe_values":["1"])"),
                            ""};
  ASSERT_TRUE(engine_->CreateSegment("ws", recent).ok());
  ASSERT_TRUE(engine_->CreateSegment("ws", SumSegment(50)).ok());
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) writers.emplace_back([&, w] { Write(w, stop); });
  writers.emplace_back([&] { PassTime(stop); });
  std::vector<SnapshotHeader> headers;
  for (int i = 0; i < kSnapshots; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto header = engine_->WriteSnapshot(dir_ / ("s" + std::to_string(i) + ".snap"), {});
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    headers.push_back(*header);
  }
  stop = true;
  for (std::thread& t : writers) t.join();
  ASSERT_GT(headers.back().lsn, headers.front().lsn) << "the writers wrote nothing meanwhile";

  for (int i = 0; i < kSnapshots; ++i) {
    SCOPED_TRACE("snapshot " + std::to_string(i) + " at LSN " + std::to_string(headers[i].lsn));
    std::unique_ptr<log::Log> copy;
    std::unique_ptr<Engine> replayed =
        ReplayLogUpTo(*log_, headers[i].lsn, dir_ / ("replay" + std::to_string(i)), clock_, copy);
    ASSERT_NE(replayed, nullptr);
    auto empty = OpenLogAfter(dir_ / ("after" + std::to_string(i)), headers[i].lsn);
    EngineOptions options;
    options.log = empty.get();
    options.clock = &clock_;
    options.segment_timer = false;
    options.snapshot = dir_ / ("s" + std::to_string(i) + ".snap");
    auto loaded = Engine::Open(options);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(DumpAll(**loaded), DumpAll(*replayed));
  }
}

}  // namespace
}  // namespace tally::engine
