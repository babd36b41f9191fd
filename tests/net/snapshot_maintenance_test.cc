// SnapshotMaintenance on its own thread, with a ManualClock standing in for the wall clock:
// the minutes policy and the erasure bound fire when their time has come, and not before.
#include "net/snapshot_maintenance.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "log/logger.h"
#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

constexpr engine::TimeUs kStartUs = 1'717'200'000'000'000;  // 2024-06-01T00:00:00Z
constexpr engine::TimeUs kMinuteUs = 60'000'000;

class SnapshotMaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kWarn);
    log::LogOptions options;
    options.dir = dir_.path() / "log";
    options.sync = log::SyncPolicy::kNone;
    auto log = log::Log::Open(options);
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    auto store = engine::SnapshotStore::Open(dir_.path() / "snapshots", 2);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    engine::EngineOptions engine_options;
    engine_options.log = log_.get();
    engine_options.clock = &clock_;
    engine_options.segment_timer = false;
    auto engine = store_->OpenEngine(engine_options, *log_);
    ASSERT_TRUE(engine.ok());
    engine_ = std::move(engine).value();
  }

  void TearDown() override {
    maintenance_.reset();
    engine_.reset();
  }

  void Start(SnapshotPolicy policy) {
    maintenance_ = std::make_unique<SnapshotMaintenance>(*store_, *engine_, *log_, clock_, policy);
    maintenance_->Start();
  }

  void Write(const std::string& email, const std::string& id) {
    engine::EventInput in;
    in.email = email;
    in.event_name = "signup";
    in.external_id = id;
    in.occurred_at = kStartUs;
    ASSERT_TRUE(engine_->Upsert("ws", in).ok());
  }

  // LSNs of the snapshots after waiting up to `limit` for there to be `count` of them.
  std::vector<log::Lsn> SnapshotsAfter(std::size_t count, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::vector<log::Lsn> lsns;
    do {
      lsns.clear();
      Result<std::vector<engine::SnapshotFile>> files = store_->List();
      EXPECT_TRUE(files.ok());
      for (const engine::SnapshotFile& f : *files) {
        lsns.push_back(f.lsn);
      }
      if (lsns.size() >= count) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return lsns;
  }

  TempDir dir_;
  engine::ManualClock clock_{kStartUs};
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<engine::SnapshotStore> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<SnapshotMaintenance> maintenance_;
};

TEST_F(SnapshotMaintenanceTest, TheMinutesPolicyWaitsForItsPeriodAndForNewRecords) {
  Write("a@example.com", "1");
  Write("a@example.com", "2");
  SnapshotPolicy policy;
  policy.every_minutes = 5;
  Start(policy);
  // A tick (1 s) passes with the period not over: nothing.
  EXPECT_TRUE(SnapshotsAfter(1, std::chrono::milliseconds(1500)).empty());
  clock_.Advance(5 * kMinuteUs);
  EXPECT_EQ(SnapshotsAfter(1, std::chrono::seconds(5)), std::vector<log::Lsn>{2});
  // Another period without a record: nothing new.
  clock_.Advance(5 * kMinuteUs);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(SnapshotsAfter(1, std::chrono::milliseconds(0)), std::vector<log::Lsn>{2});
  Write("a@example.com", "3");
  clock_.Advance(5 * kMinuteUs);
  EXPECT_EQ(SnapshotsAfter(2, std::chrono::seconds(5)), (std::vector<log::Lsn>{2, 3}));
}

TEST_F(SnapshotMaintenanceTest, AnErasureIsPurgedOnceItIsOlderThanTheBoundAndNotBefore) {
  Write("victim@example.com", "1");
  Write("other@example.com", "2");
  ASSERT_TRUE(engine_->EraseContact("ws", "victim@example.com").ok());
  ASSERT_EQ(engine_->Erasures().size(), 1u);
  SnapshotPolicy policy;
  policy.erase_within_s = 600;
  Start(policy);
  clock_.Advance(9 * kMinuteUs);
  EXPECT_TRUE(SnapshotsAfter(1, std::chrono::milliseconds(1500)).empty());
  EXPECT_EQ(engine_->Erasures().size(), 1u);
  clock_.Advance(kMinuteUs);
  EXPECT_EQ(SnapshotsAfter(1, std::chrono::seconds(5)).size(), 1u);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!engine_->Erasures().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(engine_->Erasures().empty());
  EXPECT_GT(log_->first_lsn(), 3u);  // every segment holding the erased contact is gone
}

}  // namespace
}  // namespace tally::net
