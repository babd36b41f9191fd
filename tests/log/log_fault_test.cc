// The log under injected file-system faults: a full disk at preallocation and at rollover,
// and failed syncs, which must leave the log in a sticky error state.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log/log.h"
#include "tests/log/fault_injecting_file_system.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using testing::FaultInjectingFileSystem;
using testing::Id;
using testing::ReadAll;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::SegmentFiles;
using testing::TempDir;
using Op = FaultInjectingFileSystem::Op;

LogOptions Options(const TempDir& dir, FileSystem* fs, SyncPolicy sync,
                   std::uint64_t segment_bytes = 4096) {
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = segment_bytes;
  options.sync = sync;
  options.fs = fs;
  return options;
}

Result<Lsn> AppendId(Log& log, const std::string& id) {
  const auto payload = SegmentDeletePayload(id, 100);
  return log.Append(SegmentDeleteType(), payload);
}

TEST(LogFaultTest, OnlyLogsThatSyncEveryAppendMapSegmentsWithSmallPages) {
  for (const SyncPolicy sync : {SyncPolicy::kAlways, SyncPolicy::kInterval, SyncPolicy::kNone}) {
    TempDir dir;
    FaultInjectingFileSystem fs;
    {
      auto log = Log::Open(Options(dir, &fs, sync));
      ASSERT_TRUE(log.ok()) << log.status().ToString();
      for (int i = 0; i < 40; ++i) {  // several rollovers of 4 KiB segments
        ASSERT_TRUE(AppendId(**log, Id("r", i)).ok());
      }
    }
    // Reopening maps the existing segments for recovery with the same pages.
    ASSERT_TRUE(Log::Open(Options(dir, &fs, sync)).ok());
    const bool always = sync == SyncPolicy::kAlways;
    EXPECT_GE(fs.Maps(always ? MapPages::kSmall : MapPages::kHuge), 4);
    EXPECT_EQ(fs.Maps(always ? MapPages::kHuge : MapPages::kSmall), 0);
  }
}

// Waits until the preparer has created the segment after the active one; the preparer finishes
// preparing it (faulting in, and writing back, its first pages) before it can stop.
void WaitForPreparedSegment(const TempDir& dir) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (SegmentFiles(dir.path() / "log").size() < 2) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no segment was prepared";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(LogFaultTest, OnlyLogsThatSyncEveryAppendWriteBackThePagesPreparedAhead) {
  for (const SyncPolicy sync : {SyncPolicy::kAlways, SyncPolicy::kInterval, SyncPolicy::kNone}) {
    TempDir dir;
    FaultInjectingFileSystem fs;
    auto log = Log::Open(Options(dir, &fs, sync, 64 * 1024));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    WaitForPreparedSegment(dir);
    ASSERT_TRUE((*log)->Close().ok());
    EXPECT_EQ(fs.Calls(Op::kWriteBack) > 0, sync == SyncPolicy::kAlways);
  }
}

TEST(LogFaultTest, FailedWriteBackAheadIsNotAnErrorAndAppendsStillBecomeDurable) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  fs.FailNth(Op::kWriteBack, 1, EIO, /*sticky=*/true);
  std::vector<std::string> appended;
  {
    auto log = Log::Open(Options(dir, &fs, SyncPolicy::kAlways, 4096));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    WaitForPreparedSegment(dir);
    for (int i = 0; i < 60; ++i) {  // several rollovers of 4 KiB segments
      ASSERT_TRUE(AppendId(**log, Id("r", i)).ok());
      appended.push_back(Id("r", i));
    }
    EXPECT_TRUE((*log)->health().ok());
    // Close syncs the durable hint: nothing is left for the crash below to lose.
    ASSERT_TRUE((*log)->Close().ok());
  }
  EXPECT_GT(fs.Calls(Op::kWriteBack), 0);
  // What a crash keeps: the file system wrote only what was synced.
  auto reopened = Log::Open(Options(dir, nullptr, SyncPolicy::kAlways, 4096));
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(ReadAll(**reopened).ids, appended);
}

TEST(LogFaultTest, NoSpaceForTheFirstSegmentFailsOpenAndLeavesNoFile) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  fs.FailNth(Op::kAllocate, 1, ENOSPC, /*sticky=*/true);
  auto log = Log::Open(Options(dir, &fs, SyncPolicy::kAlways));
  ASSERT_FALSE(log.ok());
  EXPECT_TRUE(log.status().IsNoSpace()) << log.status().ToString();
  EXPECT_TRUE(SegmentFiles(dir.path() / "log").empty());
}

TEST(LogFaultTest, NoSpaceAtRolloverIsAStickyStatusAndTheLogStaysReadable) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  auto log = Log::Open(Options(dir, &fs, SyncPolicy::kAlways));
  ASSERT_TRUE(log.ok());
  fs.FailNth(Op::kAllocate, 1, ENOSPC, /*sticky=*/true);
  std::vector<std::string> appended;
  Status failure;
  // Each 4 KiB segment holds about 20 records; the disk is full from the next segment on.
  for (int i = 0; i < 1000 && failure.ok(); ++i) {
    Result<Lsn> lsn = AppendId(**log, Id("r", i));
    if (lsn.ok()) {
      EXPECT_EQ(*lsn, appended.size() + 1);
      appended.push_back(Id("r", i));
    } else {
      failure = lsn.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "the disk never filled up";
  EXPECT_TRUE(failure.IsNoSpace()) << failure.ToString();
  EXPECT_FALSE(appended.empty());
  // Sticky: later appends and syncs fail with the same error; health() reports it.
  EXPECT_EQ(AppendId(**log, "again").status(), failure);
  EXPECT_EQ((*log)->Sync(), failure);
  EXPECT_EQ((*log)->health(), failure);
  // Everything acknowledged before the failure reads back.
  const auto read = ReadAll(**log);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  EXPECT_EQ(read.ids, appended);
  log->reset();
  auto reopened = Log::Open(Options(dir, nullptr, SyncPolicy::kAlways));
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(ReadAll(**reopened).ids, appended);
}

TEST(LogFaultTest, FailedSyncIsStickyEvenWhenTheDiskRecovers) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  auto log = Log::Open(Options(dir, &fs, SyncPolicy::kAlways, 64 * 1024));
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(AppendId(**log, Id("r", i)).ok());
  }
  // One sync fails once; the file system would succeed afterwards.
  fs.FailNth(Op::kSync, 1, EIO, /*sticky=*/false);
  Result<Lsn> failed = AppendId(**log, "lost");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kIoError);
  EXPECT_EQ(AppendId(**log, "after").status(), failed.status());
  EXPECT_EQ((*log)->Sync(), failed.status());
  EXPECT_EQ((*log)->WaitDurable(1), failed.status());
  EXPECT_EQ((*log)->health(), failed.status());
  EXPECT_EQ((*log)->durable_lsn(), 3u);
  EXPECT_FALSE((*log)->Close().ok());
  log->reset();
  auto reopened = Log::Open(Options(dir, nullptr, SyncPolicy::kAlways, 64 * 1024));
  ASSERT_TRUE(reopened.ok());
  const auto read = ReadAll(**reopened);
  ASSERT_GE(read.ids.size(), 3u);
  EXPECT_EQ(read.ids[2], Id("r", 2));
}

TEST(LogFaultTest, FailedExplicitSyncUnderSyncNoneFailsLaterAppends) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  auto log = Log::Open(Options(dir, &fs, SyncPolicy::kNone, 64 * 1024));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(AppendId(**log, "a").ok());
  fs.FailNth(Op::kSync, 1, ENOSPC, /*sticky=*/false);
  const Status sync = (*log)->Sync();
  EXPECT_TRUE(sync.IsNoSpace()) << sync.ToString();
  EXPECT_EQ(AppendId(**log, "b").status(), sync);
  EXPECT_EQ((*log)->durable_lsn(), 0u);
}

TEST(LogFaultTest, FailedSyncWakesEveryWaitingAppender) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  auto log = Log::Open(Options(dir, &fs, SyncPolicy::kAlways, 64 * 1024));
  ASSERT_TRUE(log.ok());
  fs.FailNth(Op::kSync, 1, EIO, /*sticky=*/true);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (!AppendId(**log, Id("t", t)).ok()) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 8);
}

}  // namespace
}  // namespace tally::log
