// Snapshot files: the header's counts, the same bytes for the same state, damage of any byte or
// any truncation detected by VerifySnapshot and by loading, a contact larger than a chunk, and
// Open refusing a log that does not continue the snapshot.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/snapshot.h"
#include "engine/snapshot_format.h"
#include "engine/snapshot_loader.h"
#include "engine/string_interner.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/snapshot_test_support.h"

namespace tally::engine {
namespace {

class SnapshotFileTest : public EngineFixture {
 protected:
  void SetUp() override {
    segment_timer_ = false;
    EngineFixture::SetUp();
  }

  // A small state with every kind of content: events (live, deleted, moved, with goals and
  // integration ids), frozen and derived timeline entries, a live and a deleted segment with
  // members, a queued boundary and an erasure.
  void SmallState() {
    SnapshotWorkload workload(7, clock_);
    for (int i = 0; i < 12; ++i) ASSERT_NO_FATAL_FAILURE(workload.Step({engine_.get()}));
    SegmentInput live{"live", "Live", "#000",
                      GoalLeafJson(R"("goal_type":"*","aggregate_operator":"count",)"
                                   R"("operator":"gte","value":1,)"
                                   R"("timeframe_operator":"in_the_last_days",)"
                                   R"("timeframe_values":["2"])"),
                      ""};
    ASSERT_TRUE(engine_->CreateSegment("ws", live).ok());
    SegmentInput gone = live;
    gone.id = "gone";
    ASSERT_TRUE(engine_->CreateSegment("ws", gone).ok());
    ASSERT_TRUE(engine_->DeleteSegment("ws", "gone").ok());
    MustUpsert(Purchase("erased@x.io", "e1", kFixtureNowUs, 10));
    ASSERT_TRUE(engine_->EraseContact("ws", "erased@x.io").ok());
  }

  SnapshotHeader MustWrite(const std::filesystem::path& file) {
    auto header = engine_->WriteSnapshot(file, {});
    EXPECT_TRUE(header.ok()) << header.status().ToString();
    return header.ok() ? *header : SnapshotHeader{};
  }
};

TEST_F(SnapshotFileTest, HeaderNamesTheLsnAndCountsOfTheState) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  const auto file = dir_ / "s.snap";
  const SnapshotHeader written = MustWrite(file);
  auto header = ReadSnapshotHeader(file);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  const Engine::Stats stats = engine_->GetStats();
  EXPECT_EQ(header->format_version, kSnapshotFormatVersion);
  EXPECT_EQ(header->lsn, log_->last_lsn());
  EXPECT_EQ(header->created_at, clock_.NowUs());
  EXPECT_EQ(header->workspaces, stats.workspaces);
  EXPECT_EQ(header->contacts, stats.contacts);
  EXPECT_EQ(header->events, stats.events);
  EXPECT_EQ(header->timeline_entries, stats.timeline_entries);
  std::uint64_t segments = 2;  // "live" and "gone", and those the workload made
  for (const std::string& id : kSnapshotTestSegments)
    segments += engine_->GetSegment("ws", id).ok();
  EXPECT_EQ(header->segments, segments);
  EXPECT_EQ(header->file_bytes, std::filesystem::file_size(file));
  EXPECT_EQ(header->content_hash, written.content_hash);
  auto verified = VerifySnapshot(file);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
}

TEST_F(SnapshotFileTest, SnapshotsOfAnUnchangedStateAreByteIdentical) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  // The clock stands still, so even created_at is the same. The first snapshot stamped every
  // contact with its epoch; the second must encode them all again.
  MustWrite(dir_ / "first.snap");
  MustWrite(dir_ / "second.snap");
  EXPECT_EQ(ReadFile(dir_ / "first.snap"), ReadFile(dir_ / "second.snap"));
}

TEST_F(SnapshotFileTest, WritingReplacesAnExistingLongerFile) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  const auto file = dir_ / "s.snap";
  WriteFile(file, std::string(1 << 20, 'x'));
  MustWrite(file);
  EXPECT_TRUE(VerifySnapshot(file).ok());
}

TEST_F(SnapshotFileTest, EveryFlippedBitIsDetectedByVerifyAndByLoad) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  const auto file = dir_ / "s.snap";
  MustWrite(file);
  const std::string good = ReadFile(file);
  // One byte is damaged in place and repaired after each check.
  std::fstream damaged(file, std::ios::binary | std::ios::in | std::ios::out);
  for (std::size_t offset = 0; offset < good.size(); ++offset) {
    const char flipped = static_cast<char>(good[offset] ^ (1 << (offset % 8)));
    damaged.seekp(static_cast<std::streamoff>(offset)).put(flipped).flush();
    const auto verified = VerifySnapshot(file);
    ASSERT_FALSE(verified.ok()) << "flip at offset " << offset;
    ASSERT_TRUE(verified.status().IsCorruption()) << verified.status().ToString();
    StringInterner interner;
    const auto loaded = LoadSnapshot(file, interner, {});
    ASSERT_FALSE(loaded.ok()) << "flip at offset " << offset;
    ASSERT_TRUE(loaded.status().IsCorruption()) << loaded.status().ToString();
    damaged.seekp(static_cast<std::streamoff>(offset)).put(good[offset]).flush();
  }
  EXPECT_TRUE(VerifySnapshot(file).ok());
}

TEST_F(SnapshotFileTest, EveryTruncationIsDetectedByVerifyAndByLoad) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  const auto file = dir_ / "s.snap";
  MustWrite(file);
  // Cut one byte at a time, from the full length down to nothing.
  for (auto length = std::filesystem::file_size(file); length-- > 0;) {
    std::filesystem::resize_file(file, length);
    const auto verified = VerifySnapshot(file);
    ASSERT_FALSE(verified.ok()) << "cut at " << length;
    ASSERT_TRUE(verified.status().IsCorruption()) << verified.status().ToString();
    StringInterner interner;
    ASSERT_FALSE(LoadSnapshot(file, interner, {}).ok()) << "cut at " << length;
  }
}

TEST_F(SnapshotFileTest, ChunkLongerThanTheMaximumIsRefused) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  const auto file = dir_ / "s.snap";
  MustWrite(file);
  // The first chunk's length field, just past kSnapshotChunkBytesMax.
  std::fstream damaged(file, std::ios::binary | std::ios::in | std::ios::out);
  const std::uint32_t too_long = kSnapshotChunkBytesMax + kSnapshotChunkAlign;
  damaged.seekp(kSnapshotHeaderBlockBytes);
  damaged.write(reinterpret_cast<const char*>(&too_long), sizeof(too_long)).flush();
  const auto verified = VerifySnapshot(file);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(),
            "offset 4096: chunk of " + std::to_string(too_long) + " bytes exceeds the maximum");
}

TEST_F(SnapshotFileTest, ProgressRisesToTheFileSize) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
    SnapshotWriteOptions options;
    options.progress = [&](std::uint64_t done, std::uint64_t total) {
      calls.emplace_back(done, total);
    };
    auto header = engine_->WriteSnapshot(dir_ / "p.snap", options);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    ASSERT_GE(calls.size(), 2u);
    for (std::size_t i = 0; i < calls.size(); ++i) {
      EXPECT_LE(calls[i].first, calls[i].second);
      if (i > 0) {
        EXPECT_GE(calls[i].first, calls[i - 1].first);
      }
    }
    EXPECT_EQ(calls.back(), std::make_pair(header->file_bytes, header->file_bytes));
  }
}

TEST_F(SnapshotFileTest, WriteErrorsAreReturnedAndLeaveTheGateOpen) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  for (const std::string round : {"first", "second"}) {
    SCOPED_TRACE(round);
    const SnapshotWriteOptions options;
    // /dev/full accepts the open and fails every write with ENOSPC.
    const auto full = engine_->WriteSnapshot("/dev/full", options);
    ASSERT_FALSE(full.ok());
    EXPECT_TRUE(full.status().IsNoSpace()) << full.status().ToString();
    const auto missing = engine_->WriteSnapshot(dir_ / "no" / "such" / "dir.snap", options);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), Status::Code::kIoError) << missing.status().ToString();
    // The gate is open again: writes and the next snapshot go on.
    MustUpsert(Input("after@x.io", "e", round, kFixtureNowUs));
    EXPECT_TRUE(engine_->WriteSnapshot(dir_ / "ok.snap", options).ok());
  }
}

TEST_F(SnapshotFileTest, MissingFileIsNotFound) {
  EXPECT_TRUE(ReadSnapshotHeader(dir_ / "none.snap").status().IsNotFound());
  EXPECT_TRUE(VerifySnapshot(dir_ / "none.snap").status().IsNotFound());
}

TEST_F(SnapshotFileTest, ContactLargerThanAChunkRoundTrips) {
  // 12 imports of 50 events with 10 KiB of properties: ~6 MiB on one contact, more than one
  // chunk's target, so the contact continues in a second chunk.
  const std::string properties = R"({"pad":")" + std::string(10 << 10, 'p') + "\"}";
  for (int batch = 0; batch < 12; ++batch) {
    std::vector<EventInput> inputs;
    for (int i = 0; i < 50; ++i) {
      std::string key = "k";
      key += std::to_string(batch * 50 + i);
      EventInput in =
          Purchase("hot@x.io", std::move(key), kFixtureNowUs - (batch * 50 + i) * kSecondUs, 1 + i);
      in.properties_json = properties;
      inputs.push_back(std::move(in));
    }
    ASSERT_TRUE(engine_->Import("ws", inputs).status.ok());
  }
  const auto file = dir_ / "hot.snap";
  const SnapshotHeader header = MustWrite(file);
  ASSERT_GT(header.content_bytes, kSnapshotChunkBytesTarget);
  auto log = OpenLogAfter(dir_ / "log2", header.lsn);
  EngineOptions options;
  options.log = log.get();
  options.clock = &clock_;
  options.segment_timer = false;
  options.snapshot = file;
  auto loaded = Engine::Open(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const std::vector<std::string> emails = {"hot@x.io"};
  const std::vector<std::string> names = {"order.completed"};
  EXPECT_EQ(DumpState(**loaded, "ws", emails, names), DumpState(*engine_, "ws", emails, names));
}

TEST_F(SnapshotFileTest, OpenRefusesALogThatDoesNotContinueTheSnapshot) {
  ASSERT_NO_FATAL_FAILURE(SmallState());
  const auto file = dir_ / "s.snap";
  const SnapshotHeader header = MustWrite(file);
  EngineOptions options;
  options.clock = &clock_;
  options.segment_timer = false;
  options.snapshot = file;
  // A log that starts after a gap.
  auto gap = OpenLogAfter(dir_ / "gap", header.lsn + 5);
  options.log = gap.get();
  auto opened = Engine::Open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kFailedPrecondition);
  // A log that ends before the snapshot.
  auto behind = OpenLogAfter(dir_ / "behind", header.lsn - 1);
  options.log = behind.get();
  opened = Engine::Open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace tally::engine
