#include "log/log.h"

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log/log_reader.h"
#include "log/record_format.h"
#include "tests/log/fault_injecting_file_system.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using testing::FaultInjectingFileSystem;
using testing::Id;
using testing::PairId;
using testing::ReadAll;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::SegmentFiles;
using testing::TempDir;

LogOptions Options(const TempDir& dir, SyncPolicy sync = SyncPolicy::kNone,
                   std::uint64_t segment_bytes = 64 * 1024) {
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = segment_bytes;
  options.sync = sync;
  return options;
}

std::unique_ptr<Log> OpenOrDie(const LogOptions& options) {
  Result<std::unique_ptr<Log>> log = Log::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

Lsn AppendId(Log& log, const std::string& id, std::size_t filler = 8) {
  const auto payload = SegmentDeletePayload(id, filler);
  Result<Lsn> lsn = log.Append(SegmentDeleteType(), payload);
  EXPECT_TRUE(lsn.ok()) << lsn.status().ToString();
  return lsn.ok() ? *lsn : 0;
}

std::vector<Lsn> Range(Lsn first, Lsn last) {
  std::vector<Lsn> lsns;
  for (Lsn lsn = first; lsn <= last; ++lsn) {
    lsns.push_back(lsn);
  }
  return lsns;
}

TEST(LogTest, NewLogIsEmpty) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir));
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_lsn(), 0u);
  EXPECT_EQ(log->recovery_report().last_lsn, 0u);
  const auto read = ReadAll(*log);
  EXPECT_TRUE(read.status.ok());
  EXPECT_TRUE(read.lsns.empty());
}

TEST(LogTest, AppendsGetConsecutiveLsnsAndReadBackInOrder) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(AppendId(*log, Id("s", i), static_cast<std::size_t>(i)), static_cast<Lsn>(i + 1));
  }
  EXPECT_EQ(log->last_lsn(), 100u);
  const auto read = ReadAll(*log);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  EXPECT_EQ(read.lsns, Range(1, 100));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(read.ids[static_cast<std::size_t>(i)], Id("s", i));
  }
}

TEST(LogTest, ReadFromAnLsnStartsAtThatRecord) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 8192));
  for (int i = 1; i <= 300; ++i) {
    AppendId(*log, std::to_string(i));
  }
  ASSERT_GT(SegmentFiles(dir.path() / "log").size(), 3u);
  for (Lsn from : {Lsn{1}, Lsn{2}, Lsn{150}, Lsn{300}}) {
    const auto read = ReadAll(*log, from);
    ASSERT_TRUE(read.status.ok());
    EXPECT_EQ(read.lsns, Range(from, 300)) << "from " << from;
    EXPECT_EQ(read.ids.front(), std::to_string(from));
  }
  EXPECT_TRUE(ReadAll(*log, 301).lsns.empty());
}

TEST(LogTest, ReaderSeesRecordsAppendedAfterItReachedTheEnd) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 8192));
  AppendId(*log, "a");
  Result<LogReader> reader = log->Read(1);
  ASSERT_TRUE(reader.ok());
  auto first = reader->Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  auto end = reader->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  // Enough records to cross into new segments while the reader waits at the end.
  for (int i = 0; i < 200; ++i) {
    AppendId(*log, Id("b", i));
  }
  for (Lsn lsn = 2; lsn <= 201; ++lsn) {
    auto next = reader->Next();
    ASSERT_TRUE(next.ok() && next->has_value()) << lsn;
    EXPECT_EQ((*next)->lsn, lsn);
  }
}

TEST(LogTest, RejectsEmptyOversizedAndUnverifiablePayloads) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 8192));
  EXPECT_TRUE(log->Append(SegmentDeleteType(), {}).status().IsInvalidArgument());
  const auto huge = SegmentDeletePayload("x", PayloadBytesMax(8192));
  EXPECT_TRUE(log->Append(SegmentDeleteType(), huge).status().IsInvalidArgument());
  const std::vector<std::byte> garbage(64, std::byte{0x5a});
  EXPECT_TRUE(log->Append(SegmentDeleteType(), garbage).status().IsInvalidArgument());
  const auto valid = SegmentDeletePayload("x");
  EXPECT_TRUE(log->Append(SegmentDeleteType() + 1, valid).status().IsInvalidArgument());
  // Rejected input is not an I/O failure: the log stays healthy.
  EXPECT_TRUE(log->health().ok());
  EXPECT_EQ(AppendId(*log, "ok"), 1u);
}

TEST(LogTest, LargestPayloadFitsInOneSegment) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 8192));
  AppendId(*log, "small");
  // The largest payload that fits in an empty segment forces a rollover.
  const std::size_t overhead = SegmentDeletePayload("big", 0).size();
  const std::size_t filler = PayloadBytesMax(8192) - overhead - 8;
  AppendId(*log, "big", filler);
  const auto read = ReadAll(*log);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  EXPECT_EQ(read.ids, (std::vector<std::string>{"small", "big"}));
}

TEST(LogTest, RejectsInvalidOptions) {
  TempDir dir;
  LogOptions options = Options(dir);
  options.segment_bytes = 5000;
  EXPECT_TRUE(Log::Open(options).status().IsInvalidArgument());
  options.segment_bytes = 0;
  EXPECT_TRUE(Log::Open(options).status().IsInvalidArgument());
  options = Options(dir, SyncPolicy::kInterval);
  options.sync_interval_ms = 0;
  EXPECT_TRUE(Log::Open(options).status().IsInvalidArgument());
  options = Options(dir);
  options.dir.clear();
  EXPECT_TRUE(Log::Open(options).status().IsInvalidArgument());
}

TEST(LogTest, ReopenKeepsRecordsAndContinuesAppending) {
  TempDir dir;
  for (int round = 0; round < 3; ++round) {
    auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways, 8192));
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->last_lsn(), static_cast<Lsn>(round * 50));
    EXPECT_EQ(log->recovery_report().truncated_bytes, 0u);
    for (int i = 0; i < 50; ++i) {
      AppendId(*log, PairId(round, i));
    }
    ASSERT_TRUE(log->Close().ok());
  }
  auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways, 8192));
  const auto read = ReadAll(*log);
  ASSERT_TRUE(read.status.ok());
  EXPECT_EQ(read.lsns, Range(1, 150));
  EXPECT_EQ(read.ids[50], PairId(1, 0));
  EXPECT_EQ(log->recovery_report().first_lsn, 1u);
  EXPECT_EQ(log->recovery_report().last_lsn, 150u);
}

TEST(LogTest, ReopenWithDifferentSegmentSizeKeepsOldSegments) {
  TempDir dir;
  {
    auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 8192));
    for (int i = 0; i < 100; ++i) {
      AppendId(*log, std::to_string(i));
    }
  }
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 16384));
  for (int i = 100; i < 300; ++i) {
    AppendId(*log, std::to_string(i));
  }
  const auto read = ReadAll(*log);
  ASSERT_TRUE(read.status.ok());
  EXPECT_EQ(read.lsns, Range(1, 300));
}

TEST(LogTest, RolloverCreatesSegmentsThatEachStartWithTheNextLsn) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 4096));
  for (int i = 0; i < 200; ++i) {
    AppendId(*log, std::to_string(i), 100);
  }
  ASSERT_TRUE(log->Close().ok());
  const auto files = SegmentFiles(dir.path() / "log");
  // 200 frames of ~200 bytes need ~10 segments of 4 KiB; Close removes the one prepared ahead.
  EXPECT_GE(files.size(), 9u);
  auto reopened = OpenOrDie(Options(dir, SyncPolicy::kNone, 4096));
  EXPECT_EQ(reopened->recovery_report().segments, files.size());
  EXPECT_EQ(ReadAll(*reopened).lsns, Range(1, 200));
}

TEST(LogTest, DeleteSegmentsBelowRemovesOnlySegmentsWhollyBelowTheLsn) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 4096));
  for (int i = 0; i < 200; ++i) {
    AppendId(*log, std::to_string(i), 100);
  }
  // The segment prepared ahead may appear at any moment, so compare the files that existed.
  const auto before = SegmentFiles(dir.path() / "log");
  Result<std::size_t> none = log->DeleteSegmentsBelow(1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  Result<std::size_t> deleted = log->DeleteSegmentsBelow(100);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_GT(*deleted, 0u);
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(std::filesystem::exists(before[i]), i >= *deleted) << before[i];
  }
  // Every record at or above 100 is still readable; reading from 1 starts at the oldest kept.
  const auto from_100 = ReadAll(*log, 100);
  EXPECT_EQ(from_100.lsns, Range(100, 200));
  const auto all = ReadAll(*log, 1);
  ASSERT_FALSE(all.lsns.empty());
  EXPECT_LE(all.lsns.front(), 100u);
  EXPECT_EQ(all.lsns.back(), 200u);
  // Deleting below a point past the end keeps the active segment.
  ASSERT_TRUE(log->DeleteSegmentsBelow(1000).ok());
  EXPECT_GE(SegmentFiles(dir.path() / "log").size(), 1u);
  EXPECT_EQ(AppendId(*log, "after"), 201u);
  ASSERT_TRUE(log->Close().ok());
  auto reopened = OpenOrDie(Options(dir, SyncPolicy::kNone, 4096));
  const auto read = ReadAll(*reopened);
  ASSERT_TRUE(read.status.ok());
  ASSERT_FALSE(read.lsns.empty());
  EXPECT_EQ(read.lsns.back(), 201u);
  EXPECT_EQ(reopened->recovery_report().first_lsn, read.lsns.front());
}

TEST(LogTest, RollSealsTheActiveSegmentSoCompactionCanRemoveEveryRecordBeforeIt) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 64 * 1024));
  EXPECT_EQ(log->first_lsn(), 1u);
  ASSERT_TRUE(log->Roll().ok());  // nothing appended yet: no new segment
  // Only one segment has a header; a second file may exist already, all zero: the segment the
  // preparer thread creates ahead of need.
  std::size_t with_header = 0;
  for (const auto& path : SegmentFiles(dir.path() / "log")) {
    const std::vector<std::byte> bytes = testing::ReadFileBytes(path);
    with_header += std::any_of(bytes.begin(), bytes.begin() + 8,
                               [](std::byte b) { return b != std::byte{0}; });
  }
  EXPECT_EQ(with_header, 1u);
  for (int i = 0; i < 10; ++i) {
    AppendId(*log, std::to_string(i));
  }
  // Without a roll the active segment holds everything and nothing can be deleted.
  ASSERT_TRUE(log->DeleteSegmentsBelow(11).ok());
  EXPECT_EQ(log->first_lsn(), 1u);
  ASSERT_TRUE(log->Roll().ok());
  ASSERT_TRUE(log->Roll().ok());  // the new segment is empty: a second roll changes nothing
  Result<std::size_t> deleted = log->DeleteSegmentsBelow(11);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  EXPECT_EQ(log->first_lsn(), 11u);
  EXPECT_EQ(AppendId(*log, "after"), 11u);
  EXPECT_EQ(ReadAll(*log).lsns, Range(11, 11));
  ASSERT_TRUE(log->Close().ok());
  auto reopened = OpenOrDie(Options(dir, SyncPolicy::kNone, 64 * 1024));
  EXPECT_EQ(reopened->first_lsn(), 11u);
  EXPECT_EQ(reopened->last_lsn(), 11u);
}

TEST(LogTest, NewLogStartsAtTheConfiguredFirstLsnAndKeepsItAcrossReopen) {
  TempDir dir;
  LogOptions options = Options(dir);
  options.first_lsn = 501;
  {
    auto log = OpenOrDie(options);
    EXPECT_EQ(log->last_lsn(), 500u);
    EXPECT_EQ(log->first_lsn(), 501u);
    ASSERT_TRUE(log->Close().ok());
  }
  options.first_lsn = 7;  // ignored: the directory already holds a segment
  auto log = OpenOrDie(options);
  EXPECT_EQ(log->last_lsn(), 500u);
  EXPECT_EQ(AppendId(*log, "a"), 501u);
  EXPECT_EQ(ReadAll(*log).lsns, Range(501, 501));
  options.dir = dir.path() / "other";
  options.first_lsn = 0;
  EXPECT_EQ(Log::Open(options).status().code(), Status::Code::kInvalidArgument);
}

TEST(LogTest, EightConcurrentAppendersProduceGapFreeIntactRecords) {
  for (SyncPolicy sync : {SyncPolicy::kNone, SyncPolicy::kAlways}) {
    TempDir dir;
    auto log = OpenOrDie(Options(dir, sync, 16384));
    constexpr int kThreads = 8;
    const int kPerThread = sync == SyncPolicy::kAlways ? 100 : 1000;
    std::vector<std::vector<Lsn>> lsns(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t, kPerThread] {
        for (int i = 0; i < kPerThread; ++i) {
          const auto payload =
              SegmentDeletePayload(PairId(t, i), static_cast<std::size_t>(i % 300));
          Result<Lsn> lsn = log->Append(SegmentDeleteType(), payload);
          ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
          if (sync == SyncPolicy::kAlways) {
            ASSERT_GE(log->durable_lsn(), *lsn);
          }
          lsns[static_cast<std::size_t>(t)].push_back(*lsn);
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    const auto read = ReadAll(*log);
    ASSERT_TRUE(read.status.ok()) << read.status.ToString();
    ASSERT_EQ(read.lsns, Range(1, kThreads * kPerThread));
    // Each thread's records hold what that thread appended under the LSN it was given.
    for (int t = 0; t < kThreads; ++t) {
      const auto& mine = lsns[static_cast<std::size_t>(t)];
      EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_EQ(read.ids[mine[static_cast<std::size_t>(i)] - 1], PairId(t, i));
      }
    }
  }
}

TEST(LogTest, ReaderTailingConcurrentAppendersSeesEveryRecordIntactAndInOrder) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 16384));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  constexpr Lsn kTotal = kThreads * kPerThread;
  std::vector<std::thread> appenders;
  for (int t = 0; t < kThreads; ++t) {
    appenders.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto payload = SegmentDeletePayload(PairId(t, i), static_cast<std::size_t>(i % 200));
        ASSERT_TRUE(log->Append(SegmentDeleteType(), payload).ok());
      }
    });
  }
  // The reader runs beside the appenders; at its end it waits and tries again.
  Result<LogReader> reader = log->Read(1);
  ASSERT_TRUE(reader.ok());
  std::vector<int> next_counter(kThreads, 0);
  Lsn expected = 1;
  while (expected <= kTotal) {
    auto next = reader->Next();
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    if (!next->has_value()) {
      std::this_thread::yield();
      continue;
    }
    ASSERT_EQ((*next)->lsn, expected);
    // Each thread's records appear in the order it appended them.
    const std::string id = testing::SegmentDeleteId((*next)->payload);
    const auto colon = id.find(':');
    const int t = std::stoi(id.substr(0, colon));
    EXPECT_EQ(std::stoi(id.substr(colon + 1)), next_counter[static_cast<std::size_t>(t)]++);
    ++expected;
  }
  for (auto& thread : appenders) {
    thread.join();
  }
  auto end = reader->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(LogTest, PayloadsStayValidWhileTheReaderLivesEvenAfterTheirSegmentIsDeleted) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kNone, 4096));
  for (int i = 0; i < 100; ++i) {
    AppendId(*log, Id("p", i), 100);
  }
  Result<LogReader> reader = log->Read(1);
  ASSERT_TRUE(reader.ok());
  auto first = reader->Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  const std::span<const std::byte> payload = (*first)->payload;
  Result<std::size_t> deleted = log->DeleteSegmentsBelow(100);
  ASSERT_TRUE(deleted.ok());
  ASSERT_GT(*deleted, 0u);
  EXPECT_EQ(testing::SegmentDeleteId(payload), "p0");
  // The reader goes on through the deleted segments it already holds or finds.
  auto second = reader->Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->lsn, 2u);
}

TEST(LogTest, SyncAlwaysAppendReturnsOnlyDurableRecords) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  LogOptions options = Options(dir, SyncPolicy::kAlways, 8192);
  options.fs = &fs;
  auto log = OpenOrDie(options);
  for (int i = 0; i < 20; ++i) {
    const Lsn lsn = AppendId(*log, std::to_string(i));
    EXPECT_GE(log->durable_lsn(), lsn);
  }
  // Whatever happens next, what Append acknowledged is in the files.
  fs.Crash();
  log.reset();
  auto reopened = OpenOrDie(Options(dir, SyncPolicy::kAlways, 8192));
  EXPECT_EQ(ReadAll(*reopened).lsns, Range(1, 20));
}

TEST(LogTest, SyncNoneLosesUnsyncedRecordsOnCrashButSyncKeepsThem) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  LogOptions options = Options(dir, SyncPolicy::kNone, 8192);
  options.fs = &fs;
  auto log = OpenOrDie(options);
  for (int i = 0; i < 10; ++i) {
    AppendId(*log, std::to_string(i));
  }
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(log->durable_lsn(), 10u);
  for (int i = 10; i < 20; ++i) {
    AppendId(*log, std::to_string(i));
  }
  EXPECT_EQ(log->durable_lsn(), 10u);
  fs.Crash();
  log.reset();
  auto reopened = OpenOrDie(Options(dir, SyncPolicy::kNone, 8192));
  EXPECT_EQ(ReadAll(*reopened).lsns, Range(1, 10));
}

TEST(LogTest, SyncIntervalMakesRecordsDurableWithoutExplicitSync) {
  TempDir dir;
  LogOptions options = Options(dir, SyncPolicy::kInterval, 8192);
  options.sync_interval_ms = 5;
  auto log = OpenOrDie(options);
  const Lsn lsn = AppendId(*log, "x");
  EXPECT_TRUE(log->WaitDurable(lsn).ok());  // returns at once under kInterval
  for (int i = 0; i < 2000 && log->durable_lsn() < lsn; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(log->durable_lsn(), lsn);
}

TEST(LogTest, AppendAfterCloseFailsAndCloseIsIdempotent) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir));
  AppendId(*log, "a");
  EXPECT_TRUE(log->Close().ok());
  EXPECT_TRUE(log->Close().ok());
  const auto payload = SegmentDeletePayload("b");
  EXPECT_EQ(log->Append(SegmentDeleteType(), payload).status().code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(ReadAll(*log).lsns, Range(1, 1));
}

TEST(LogTest, CloseRemovesTheSegmentPreparedAhead) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir));
  AppendId(*log, "a");
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(SegmentFiles(dir.path() / "log").size(), 1u);
}

}  // namespace
}  // namespace tally::log
