// Recovery on Log::Open: torn and zero tails, flipped bits under each RecoveryMode, the
// durable hint, and damaged segment headers (docs/log-format.md, "Recovery").
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "log/log.h"
#include "log/record_format.h"
#include "log/segment.h"
#include "tests/log/fault_injecting_file_system.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using testing::FaultInjectingFileSystem;
using testing::FrameSpan;
using testing::Id;
using testing::ReadAll;
using testing::ReadFileBytes;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::SegmentFiles;
using testing::TempDir;
using testing::WriteFileBytes;

constexpr std::uint64_t kSegmentBytes = 8192;

LogOptions Options(const std::filesystem::path& dir, RecoveryMode recovery,
                   FileSystem* fs = nullptr, std::uint64_t segment_bytes = kSegmentBytes) {
  LogOptions options;
  options.dir = dir;
  options.segment_bytes = segment_bytes;
  options.sync = SyncPolicy::kNone;
  options.recovery = recovery;
  options.fs = fs;
  return options;
}

// Writes `count` records (ids "r1".."r<count>") and closes the log cleanly.
void WriteLog(const std::filesystem::path& dir, int count,
              std::uint64_t segment_bytes = kSegmentBytes, std::size_t filler = 20) {
  auto log = Log::Open(Options(dir, RecoveryMode::kStrict, nullptr, segment_bytes));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  for (int i = 1; i <= count; ++i) {
    const auto payload = SegmentDeletePayload(Id("r", i), filler + static_cast<std::size_t>(i));
    ASSERT_TRUE((*log)->Append(SegmentDeleteType(), payload).ok());
  }
  ASSERT_TRUE((*log)->Close().ok());
}

std::vector<Lsn> Range(Lsn first, Lsn last) {
  std::vector<Lsn> lsns;
  for (Lsn lsn = first; lsn <= last; ++lsn) {
    lsns.push_back(lsn);
  }
  return lsns;
}

void FlipBit(const std::filesystem::path& file, std::uint64_t offset, int bit) {
  auto bytes = ReadFileBytes(file);
  bytes[offset] ^= static_cast<std::byte>(1 << bit);
  WriteFileBytes(file, bytes);
}

void SetDurableHint(const std::filesystem::path& file, Lsn hint) {
  auto bytes = ReadFileBytes(file);
  std::memcpy(bytes.data() + kSegmentHeaderDurableHintOffset, &hint, sizeof(hint));
  WriteFileBytes(file, bytes);
}

TEST(LogRecoveryTest, TruncationAtEveryByteOffsetKeepsExactlyTheCompleteRecords) {
  TempDir dir;
  const auto pristine = dir.path() / "pristine";
  WriteLog(pristine, 8);
  const auto files = SegmentFiles(pristine);
  ASSERT_EQ(files.size(), 1u);
  const auto original = ReadFileBytes(files[0]);
  const auto frames = testing::Frames(original);
  ASSERT_EQ(frames.size(), 8u);
  // Bytes past the cut read back as zeros, so a record survives a cut that removes only zero
  // bytes of it (padding, or zeros that end its payload).
  const auto survives = [&](const FrameSpan& frame, std::uint64_t cut) {
    for (std::uint64_t at = cut; at < frame.end; ++at) {
      if (original[at] != std::byte{0}) {
        return false;
      }
    }
    return true;
  };
  // Every cut from the start of the third-to-last record to the end of the last one.
  for (std::uint64_t cut = frames[5].offset; cut <= frames[7].end; ++cut) {
    const auto work = dir.path() / ("cut" + std::to_string(cut));
    std::filesystem::create_directories(work);
    testing::CopyDir(pristine, work);
    std::filesystem::resize_file(work / files[0].filename(), cut);
    Lsn complete = 0;
    for (const FrameSpan& frame : frames) {
      if (survives(frame, cut)) {
        complete = frame.lsn;
      }
    }
    FaultInjectingFileSystem fs;
    auto log = Log::Open(Options(work, RecoveryMode::kStrict, &fs));
    ASSERT_TRUE(log.ok()) << "cut " << cut << ": " << log.status().ToString();
    const auto read = ReadAll(**log);
    ASSERT_TRUE(read.status.ok()) << "cut " << cut;
    ASSERT_EQ(read.lsns, Range(1, complete)) << "cut " << cut;
    const auto& report = (*log)->recovery_report();
    EXPECT_EQ(report.last_lsn, complete);
    const std::uint64_t kept_end = frames[complete - 1].end;
    const bool torn = cut > kept_end && complete < 8;
    EXPECT_EQ(report.truncated_bytes > 0, torn) << "cut " << cut;
    if (torn) {
      EXPECT_EQ(report.truncated_offset, kept_end);
      EXPECT_EQ(report.truncated_segment, files[0].filename().string());
    }
    // The log continues right after the last complete record.
    const auto payload = SegmentDeletePayload("next");
    Result<Lsn> lsn = (*log)->Append(SegmentDeleteType(), payload);
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, complete + 1);
    log->reset();
    std::filesystem::remove_all(work);
  }
}

TEST(LogRecoveryTest, ZeroFilledTailIsEndOfLogAndNothingIsReported) {
  TempDir dir;
  WriteLog(dir.path(), 6);
  const auto file = SegmentFiles(dir.path())[0];
  auto bytes = ReadFileBytes(file);
  const auto frames = testing::Frames(bytes);
  std::fill(bytes.begin() + static_cast<long>(frames[3].offset), bytes.end(), std::byte{0});
  WriteFileBytes(file, bytes);
  auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(ReadAll(**log).lsns, Range(1, 3));
  EXPECT_EQ((*log)->recovery_report().truncated_bytes, 0u);
  EXPECT_TRUE((*log)->recovery_report().truncated_segment.empty());
}

TEST(LogRecoveryTest, GarbageTailIsTruncatedAndReported) {
  TempDir dir;
  WriteLog(dir.path(), 4);
  const auto file = SegmentFiles(dir.path())[0];
  auto bytes = ReadFileBytes(file);
  const auto frames = testing::Frames(bytes);
  for (std::size_t i = 0; i < 100; ++i) {
    bytes[frames[3].end + i] = static_cast<std::byte>(0xa0 + i % 7);
  }
  WriteFileBytes(file, bytes);
  {
    auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(ReadAll(**log).lsns, Range(1, 4));
    const auto& report = (*log)->recovery_report();
    EXPECT_EQ(report.truncated_bytes, 100u);
    EXPECT_EQ(report.truncated_offset, frames[3].end);
  }
  // The tail was zeroed on disk: a second open finds nothing to cut.
  auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict));
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->recovery_report().truncated_bytes, 0u);
}

TEST(LogRecoveryTest, FlippedBitInAnyNonTailRecordIsCorruptionNamingSegmentOffsetAndLsn) {
  TempDir dir;
  const auto pristine = dir.path() / "pristine";
  WriteLog(pristine, 6);
  const auto file = SegmentFiles(pristine)[0];
  const auto original = ReadFileBytes(file);
  const auto frames = testing::Frames(original);
  const auto work = dir.path() / "work";
  std::filesystem::create_directories(work);
  testing::CopyDir(pristine, work);
  const auto work_file = work / file.filename();
  for (std::size_t r = 0; r + 1 < frames.size(); ++r) {
    const FrameSpan& frame = frames[r];
    // Every header and payload byte (padding is not covered by any checksum).
    for (std::uint64_t at = frame.offset;
         at < frame.offset + kFrameHeaderBytes + frame.payload_bytes; ++at) {
      auto bytes = original;
      bytes[at] ^= static_cast<std::byte>(1 << (at % 8));
      WriteFileBytes(work_file, bytes);
      FaultInjectingFileSystem fs;
      auto log = Log::Open(Options(work, RecoveryMode::kStrict, &fs));
      ASSERT_FALSE(log.ok()) << "record " << frame.lsn << " byte " << at;
      EXPECT_TRUE(log.status().IsCorruption()) << log.status().ToString();
      const std::string message(log.status().message());
      EXPECT_NE(message.find(file.filename().string()), std::string::npos) << message;
      EXPECT_NE(message.find("offset " + std::to_string(frame.offset) + " "), std::string::npos)
          << message;
      EXPECT_NE(message.find("LSN " + std::to_string(frame.lsn)), std::string::npos) << message;
    }
  }
}

TEST(LogRecoveryTest, FlippedBitIsSkippedAndReportedInSalvageMode) {
  TempDir dir;
  WriteLog(dir.path(), 6);
  const auto file = SegmentFiles(dir.path())[0];
  const auto frames = testing::Frames(ReadFileBytes(file));
  FlipBit(file, frames[2].offset + kFrameHeaderBytes + 5, 3);
  for (int round = 0; round < 2; ++round) {
    auto log = Log::Open(Options(dir.path(), RecoveryMode::kSalvage));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    const auto& report = (*log)->recovery_report();
    ASSERT_EQ(report.skipped.size(), 1u);
    EXPECT_EQ(report.skipped[0].offset, frames[2].offset);
    EXPECT_EQ(report.skipped[0].lsn, 3u);
    EXPECT_EQ(report.skipped[0].segment, file.filename().string());
    const auto read = ReadAll(**log);
    ASSERT_TRUE(read.status.ok()) << read.status.ToString();
    const std::vector<Lsn> expected =
        round == 0 ? std::vector<Lsn>{1, 2, 4, 5, 6} : std::vector<Lsn>{1, 2, 4, 5, 6, 7};
    EXPECT_EQ(read.lsns, expected);
    if (round == 0) {
      const auto payload = SegmentDeletePayload("after");
      Result<Lsn> lsn = (*log)->Append(SegmentDeleteType(), payload);
      ASSERT_TRUE(lsn.ok());
      EXPECT_EQ(*lsn, 7u);
    }
  }
  // Strict mode still refuses the damaged log.
  EXPECT_TRUE(Log::Open(Options(dir.path(), RecoveryMode::kStrict)).status().IsCorruption());
}

TEST(LogRecoveryTest, FlippedBitIsTheStopPointInPointInTimeModeAndLaterDataIsSetAside) {
  TempDir dir;
  WriteLog(dir.path(), 60, 4096, 60);
  const auto files = SegmentFiles(dir.path());
  ASSERT_GE(files.size(), 4u);
  const auto frames = testing::Frames(ReadFileBytes(files[1]));
  ASSERT_GE(frames.size(), 3u);
  const Lsn bad = frames[1].lsn;
  FlipBit(files[1], frames[1].offset + 12, 0);
  auto log = Log::Open(Options(dir.path(), RecoveryMode::kPointInTime, nullptr, 4096));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const auto& report = (*log)->recovery_report();
  ASSERT_EQ(report.stopped_at.size(), 1u);
  EXPECT_EQ(report.stopped_at[0].lsn, bad);
  EXPECT_EQ(report.stopped_at[0].offset, frames[1].offset);
  EXPECT_EQ(ReadAll(**log).lsns, Range(1, bad - 1));
  // The damaged segment's copy and every later segment are kept aside, not deleted.
  EXPECT_TRUE(std::filesystem::exists(files[1].string() + ".discarded"));
  for (std::size_t i = 2; i < files.size(); ++i) {
    EXPECT_FALSE(std::filesystem::exists(files[i])) << files[i];
    EXPECT_TRUE(std::filesystem::exists(files[i].string() + ".discarded")) << files[i];
  }
  const auto payload = SegmentDeletePayload("after");
  Result<Lsn> lsn = (*log)->Append(SegmentDeleteType(), payload);
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, bad);
  log->reset();
  // After the stop the log is consistent again, even in strict mode.
  auto strict = Log::Open(Options(dir.path(), RecoveryMode::kStrict, nullptr, 4096));
  ASSERT_TRUE(strict.ok()) << strict.status().ToString();
  EXPECT_EQ(ReadAll(**strict).lsns, Range(1, bad));
}

TEST(LogRecoveryTest, UnfinishedAppendAboveTheDurableHintIsATornTailNotCorruption) {
  TempDir dir;
  const auto main_dir = dir.path() / "main";
  WriteLog(main_dir, 6);
  const auto file = SegmentFiles(main_dir)[0];
  auto bytes = ReadFileBytes(file);
  const auto frames = testing::Frames(bytes);
  // An appender died before publishing record 4 while records 5 and 6 completed, and the last
  // sync had made only records 1..3 durable.
  std::memset(bytes.data() + frames[3].offset, 0, kFramePublishedBytes);
  WriteFileBytes(file, bytes);
  SetDurableHint(file, 3);
  const auto aside = dir.path() / "copy";
  std::filesystem::create_directories(aside);
  testing::CopyDir(main_dir, aside);
  {
    auto log = Log::Open(Options(main_dir, RecoveryMode::kStrict));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(ReadAll(**log).lsns, Range(1, 3));
    EXPECT_EQ((*log)->recovery_report().truncated_offset, frames[3].offset);
    // Reported: from the cut to the last non-zero byte, which lies inside record 6.
    EXPECT_GT((*log)->recovery_report().truncated_bytes, frames[5].offset - frames[3].offset);
    EXPECT_LE((*log)->recovery_report().truncated_bytes, frames[5].end - frames[3].offset);
  }
  // The same damage below the durable hint was acknowledged data: corruption.
  SetDurableHint(aside / file.filename(), 4);
  EXPECT_TRUE(Log::Open(Options(aside, RecoveryMode::kStrict)).status().IsCorruption());
}

TEST(LogRecoveryTest, DamagedSegmentHeaderIsCorruption) {
  TempDir dir;
  WriteLog(dir.path(), 60, 4096, 60);
  const auto files = SegmentFiles(dir.path());
  ASSERT_GE(files.size(), 3u);
  FlipBit(files[1], 17, 2);
  auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict, nullptr, 4096));
  ASSERT_FALSE(log.ok());
  EXPECT_TRUE(log.status().IsCorruption());
  EXPECT_NE(log.status().message().find(files[1].filename().string()), std::string::npos);
}

TEST(LogRecoveryTest, DamagedSegmentHeaderIsSkippedInSalvageAndTheStopPointInPointInTime) {
  TempDir dir;
  const auto pristine = dir.path() / "pristine";
  WriteLog(pristine, 60, 4096, 60);
  const auto files = SegmentFiles(pristine);
  ASSERT_GE(files.size(), 4u);
  const Lsn lost_first = testing::Frames(ReadFileBytes(files[1])).front().lsn;
  const Lsn lost_last = testing::Frames(ReadFileBytes(files[1])).back().lsn;
  FlipBit(files[1], 9, 4);  // inside the seq field: the header checksum fails
  for (RecoveryMode mode : {RecoveryMode::kSalvage, RecoveryMode::kPointInTime}) {
    const auto work = dir.path() / (mode == RecoveryMode::kSalvage ? "salvage" : "pit");
    std::filesystem::create_directories(work);
    testing::CopyDir(pristine, work);
    auto log = Log::Open(Options(work, mode, nullptr, 4096));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    const auto read = ReadAll(**log);
    ASSERT_TRUE(read.status.ok()) << read.status.ToString();
    EXPECT_TRUE(std::filesystem::exists(work / (files[1].filename().string() + ".discarded")));
    if (mode == RecoveryMode::kSalvage) {
      // Every record but those of the damaged segment, with the gap where it was.
      std::vector<Lsn> expected = Range(1, lost_first - 1);
      const auto rest = Range(lost_last + 1, 60);
      expected.insert(expected.end(), rest.begin(), rest.end());
      EXPECT_EQ(read.lsns, expected);
      EXPECT_FALSE((*log)->recovery_report().skipped.empty());
    } else {
      EXPECT_EQ(read.lsns, Range(1, lost_first - 1));
      ASSERT_EQ((*log)->recovery_report().stopped_at.size(), 1u);
      EXPECT_EQ((*log)->recovery_report().stopped_at[0].segment, files[1].filename().string());
    }
  }
}

TEST(LogRecoveryTest, SegmentRolledIntoButNeverSyncedIsSetAsideAsATornTail) {
  TempDir dir;
  WriteLog(dir.path(), 60, 4096, 60);
  const auto files = SegmentFiles(dir.path());
  ASSERT_GE(files.size(), 3u);
  // The crash came before any sync covered the last segment: its header never reached the disk.
  auto bytes = ReadFileBytes(files.back());
  const auto last_frames = testing::Frames(bytes);
  ASSERT_FALSE(last_frames.empty());
  std::fill(bytes.begin(), bytes.begin() + kSegmentHeaderBytes, std::byte{0});
  WriteFileBytes(files.back(), bytes);
  auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict, nullptr, 4096));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(ReadAll(**log).lsns, Range(1, last_frames.front().lsn - 1));
  EXPECT_GT((*log)->recovery_report().truncated_bytes, 0u);
  EXPECT_FALSE(std::filesystem::exists(files.back()));
  EXPECT_TRUE(std::filesystem::exists(files.back().string() + ".discarded"));
}

TEST(LogRecoveryTest, ZeroHeaderBeforeAValidSegmentIsCorruption) {
  TempDir dir;
  WriteLog(dir.path(), 60, 4096, 60);
  const auto files = SegmentFiles(dir.path());
  ASSERT_GE(files.size(), 3u);
  auto bytes = ReadFileBytes(files[1]);
  std::fill(bytes.begin(), bytes.begin() + kSegmentHeaderBytes, std::byte{0});
  WriteFileBytes(files[1], bytes);
  const auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict, nullptr, 4096));
  ASSERT_FALSE(log.ok());
  EXPECT_TRUE(log.status().IsCorruption()) << log.status().ToString();
}

TEST(LogRecoveryTest, UnusedPreparedSegmentLeftByACrashIsRemoved) {
  TempDir dir;
  WriteLog(dir.path(), 3);
  const auto last = SegmentFiles(dir.path()).back();
  const auto unused = dir.path() / SegmentFileName(2);
  WriteFileBytes(unused, std::vector<std::byte>(kSegmentBytes, std::byte{0}));
  auto log = Log::Open(Options(dir.path(), RecoveryMode::kStrict));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(ReadAll(**log).lsns, Range(1, 3));
  EXPECT_EQ((*log)->recovery_report().segments, 1u);
  EXPECT_TRUE(std::filesystem::exists(last));
}

}  // namespace
}  // namespace tally::log
