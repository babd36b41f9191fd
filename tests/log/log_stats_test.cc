#include "log/log_stats.h"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log/log.h"
#include "log/record_format.h"
#include "tests/log/fault_injecting_file_system.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using testing::Id;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::TempDir;

std::unique_ptr<Log> OpenOrDie(const TempDir& dir, SyncPolicy sync) {
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = 64 * 1024;
  options.sync = sync;
  Result<std::unique_ptr<Log>> log = Log::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

// Appends `count` records and returns the frame bytes they occupy.
std::uint64_t AppendRecords(Log& log, int count, int first = 0) {
  std::uint64_t bytes = 0;
  for (int i = first; i < first + count; ++i) {
    const auto payload = SegmentDeletePayload(Id("r", i), static_cast<std::size_t>(i % 50));
    EXPECT_TRUE(log.Append(SegmentDeleteType(), payload).ok());
    bytes += FrameBytes(payload.size());
  }
  return bytes;
}

TEST(SyncStatsRecorderTest, ObservationsLandInTheFirstBucketWhoseBoundHoldsThem) {
  SyncStatsRecorder recorder;
  recorder.Record(std::chrono::microseconds(25), 1);
  recorder.Record(std::chrono::microseconds(26), 2);
  recorder.Record(std::chrono::seconds(2), 100'000);
  LogStats stats;
  recorder.Snapshot(&stats);
  EXPECT_EQ(stats.syncs, 3u);
  EXPECT_EQ(stats.sync_latency_us.buckets[0], 1u);  // le 25 µs
  EXPECT_EQ(stats.sync_latency_us.buckets[1], 1u);  // le 50 µs
  EXPECT_EQ(stats.sync_latency_us.buckets.back(), 1u);
  EXPECT_EQ(stats.sync_latency_us.sum, 2'000'051u);
  EXPECT_EQ(stats.sync_latency_us.count(), 3u);
  EXPECT_EQ(stats.group_records.buckets[0], 1u);  // le 1
  EXPECT_EQ(stats.group_records.buckets[1], 1u);  // le 2
  EXPECT_EQ(stats.group_records.buckets.back(), 1u);
  EXPECT_EQ(stats.group_records.sum, 100'003u);
}

TEST(LogStatsTest, CountsAppendsAndFrameBytesSinceOpen) {
  TempDir dir;
  std::uint64_t bytes = 0;
  {
    auto log = OpenOrDie(dir, SyncPolicy::kNone);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->GetStats().appends, 0u);
    bytes = AppendRecords(*log, 7);
    const LogStats stats = log->GetStats();
    EXPECT_EQ(stats.appends, 7u);
    EXPECT_EQ(stats.appended_bytes, bytes);
  }
  // A reopened log counts from zero again: the counters describe this process's work.
  auto log = OpenOrDie(dir, SyncPolicy::kNone);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->GetStats().appends, 0u);
  EXPECT_EQ(log->GetStats().appended_bytes, 0u);
  bytes = AppendRecords(*log, 2, 7);
  EXPECT_EQ(log->GetStats().appends, 2u);
  EXPECT_EQ(log->GetStats().appended_bytes, bytes);
}

TEST(LogStatsTest, EachSyncCountsTheRecordsItMadeDurable) {
  TempDir dir;
  auto log = OpenOrDie(dir, SyncPolicy::kNone);
  ASSERT_NE(log, nullptr);
  AppendRecords(*log, 5);
  ASSERT_TRUE(log->Sync().ok());
  LogStats stats = log->GetStats();
  EXPECT_EQ(stats.syncs, 1u);
  EXPECT_EQ(stats.group_records.buckets[3], 1u);  // 5 records: the "le 8" bucket
  EXPECT_EQ(stats.group_records.sum, 5u);
  EXPECT_EQ(stats.sync_latency_us.count(), 1u);

  AppendRecords(*log, 1, 5);
  ASSERT_TRUE(log->Sync().ok());
  // A sync with nothing new to make durable is not counted.
  ASSERT_TRUE(log->Sync().ok());
  stats = log->GetStats();
  EXPECT_EQ(stats.syncs, 2u);
  EXPECT_EQ(stats.group_records.buckets[0], 1u);
  EXPECT_EQ(stats.group_records.sum, 6u);
  EXPECT_EQ(stats.sync_latency_us.count(), 2u);
}

TEST(LogStatsTest, GroupCommitCountsEveryDurableRecordInExactlyOneSync) {
  TempDir dir;
  auto log = OpenOrDie(dir, SyncPolicy::kAlways);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { AppendRecords(*log, kPerThread, t * kPerThread); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const LogStats stats = log->GetStats();
  EXPECT_EQ(stats.appends, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(stats.group_records.sum, std::uint64_t{kThreads * kPerThread});
  EXPECT_GE(stats.syncs, 1u);
  EXPECT_LE(stats.syncs, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(stats.group_records.count(), stats.syncs);
  EXPECT_EQ(stats.sync_latency_us.count(), stats.syncs);
}

TEST(LogStatsTest, AppendersQueuedDuringASlowSyncAreCoveredTogetherByTheNextOne) {
  TempDir dir;
  testing::FaultInjectingFileSystem fs;
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = 1 << 20;
  options.sync = SyncPolicy::kAlways;
  options.fs = &fs;
  auto log = Log::Open(options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  fs.SetSyncDelay(std::chrono::milliseconds(20));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { AppendRecords(**log, kPerThread, t * kPerThread); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const LogStats stats = (*log)->GetStats();
  EXPECT_EQ(stats.group_records.sum, std::uint64_t{kThreads * kPerThread});
  // While one 20 ms sync runs, the other appenders queue and the next sync takes them all: far
  // fewer syncs than records (one per record would be 40).
  EXPECT_LE(stats.syncs, std::uint64_t{kThreads * kPerThread / 2});
  EXPECT_GE(stats.sync_latency_us.sum, stats.syncs * 20'000);
}

}  // namespace
}  // namespace tally::log
