// The snapshot loader's bulk build (engine/snapshot_loader.h): the cases its two passes treat
// apart (a workspace without contacts, an email without events, soft-deleted events, a hot
// contact whose goal series outgrow the flat form, segment members), each equal to the writer
// after the load and after the same later writes; and a duplicate event key in a file whose
// checksums are all valid, refused without building an engine.
#include "engine/snapshot_loader.h"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <xxhash.h>

#include "engine/engine.h"
#include "engine/snapshot.h"
#include "engine/snapshot_format.h"
#include "engine/snapshot_header_block.h"
#include "engine/string_interner.h"
#include "engine/validation.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/snapshot_test_support.h"

namespace tally::engine {
namespace {

const std::vector<std::string> kEmails = {"hot@x.io", "from@x.io", "to@x.io", "plain@x.io"};
const std::vector<std::string> kNames = {"order.completed", "page.view"};

// Recomputes every chunk's checksum, the content hash and the header block of edited file
// bytes, so that only the loader's checks of the content itself can refuse them.
void Reseal(std::string& bytes) {
  std::size_t at = kSnapshotHeaderBlockBytes;
  while (at < bytes.size()) {
    std::uint32_t body_bytes = 0;
    std::uint32_t kind = 0;
    std::memcpy(&body_bytes, bytes.data() + at, 4);
    std::memcpy(&kind, bytes.data() + at + 4, 4);
    const std::uint64_t seed = std::uint64_t{kind} << 32 | body_bytes;
    const std::uint64_t hash =
        XXH3_64bits_withSeed(bytes.data() + at + kSnapshotFrameBytes, body_bytes, seed);
    std::memcpy(bytes.data() + at + 8, &hash, 8);
    at += kSnapshotFrameBytes + SnapshotPaddedBytes(body_bytes);
  }
  ASSERT_EQ(at, bytes.size());
  auto header = DecodeSnapshotHeaderBlock(
      {reinterpret_cast<const std::uint8_t*>(bytes.data()), kSnapshotHeaderBlockBytes});
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  header->content_hash = XXH3_64bits(bytes.data() + kSnapshotHeaderBlockBytes,
                                     bytes.size() - kSnapshotHeaderBlockBytes);
  const std::vector<std::uint8_t> block = EncodeSnapshotHeaderBlock(*header);
  std::memcpy(bytes.data(), block.data(), block.size());
}

class SnapshotLoaderTest : public EngineFixture {
 protected:
  void SetUp() override {
    segment_timer_ = false;
    EngineFixture::SetUp();
  }

  Result<std::unique_ptr<Engine>> OpenFrom(const std::filesystem::path& file, log::Lsn lsn,
                                           const std::string& log_name) {
    logs_.push_back(OpenLogAfter(dir_ / log_name, lsn));
    EngineOptions options;
    options.log = logs_.back().get();
    options.clock = &clock_;
    options.segment_timer = false;
    options.snapshot = file;
    return Engine::Open(options);
  }

  std::string Dump(const Engine& engine) {
    std::string out = DumpState(engine, "ws", kEmails, kNames);
    for (const char* ws : {"ws", "empty"}) {
      auto segment = engine.GetSegment(ws, "buyers");
      if (!segment.ok()) continue;
      out += std::string(ws) + " segment " + segment->tree_json + " " +
             std::to_string(segment->users_count) + ":";
      auto members = engine.SegmentContacts(ws, "buyers", 1000, 0);
      if (members.ok()) {
        for (const std::string& m : *members) out += " " + m;
      }
      out += "\n";
    }
    return out;
  }

  std::vector<std::unique_ptr<log::Log>> logs_;
};

TEST_F(SnapshotLoaderTest, EdgeCasesLoadEqualToTheWriterAndTakeTheSameLaterWrites) {
  const SegmentInput buyers{"buyers", "Buyers", "#000",
                            GoalLeafJson(R"("goal_type":"*","aggregate_operator":"count",)"
                                         R"("operator":"gte","value":1,)"
                                         R"("timeframe_operator":"anytime",)"
                                         R"("timeframe_values":[])"),
                            ""};
  // A workspace with a saved segment and no contact at all.
  ASSERT_TRUE(engine_->CreateSegment("empty", buyers).ok());
  ASSERT_TRUE(engine_->CreateSegment("ws", buyers).ok());
  // A hot contact: far more goal events than a flat series holds, some soft-deleted.
  std::vector<EventInput> hot;
  for (int i = 0; i < 600; ++i) {
    if (hot.size() == kImportEventsMax) {
      ASSERT_TRUE(engine_->Import("ws", hot).status.ok());
      hot.clear();
    }
    std::string key = "h";
    key += std::to_string(i);
    EventInput in = Purchase("hot@x.io", std::move(key), kFixtureNowUs - i * kSecondUs, 1 + i % 7);
    if (i % 50 == 0) in.deleted_at = kFixtureNowUs;
    hot.push_back(std::move(in));
  }
  ASSERT_TRUE(engine_->Import("ws", hot).status.ok());  // the last batch
  // An email left with a timeline and no events: its only event moved to another email.
  MustUpsert(Purchase("from@x.io", "moving", kFixtureNowUs - kDayUs, 3));
  MustUpsert(Purchase("to@x.io", "moving", kFixtureNowUs - kDayUs, 3));
  // Events without goals, one of them soft-deleted.
  MustUpsert(Input("plain@x.io", "page.view", "p1", kFixtureNowUs - 2 * kSecondUs));
  EventInput deleted = Input("plain@x.io", "page.view", "p2", kFixtureNowUs - kSecondUs);
  deleted.deleted_at = kFixtureNowUs;
  MustUpsert(deleted);

  const auto file = dir_ / "edge.snap";
  auto header = engine_->WriteSnapshot(file, {});
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  auto loaded = OpenFrom(file, header->lsn, "log2");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(Dump(**loaded), Dump(*engine_));
  EXPECT_EQ((*loaded)->GetStats().events, engine_->GetStats().events);

  // Later writes on each case: an update and a delete of hot events, a restore, a move back.
  std::vector<EventInput> later;
  EventInput update = Purchase("hot@x.io", "h3", kFixtureNowUs - 3 * kSecondUs, 99);
  later.push_back(update);
  EventInput remove = Purchase("hot@x.io", "h4", kFixtureNowUs - 4 * kSecondUs, 5);
  remove.deleted_at = kFixtureNowUs;
  later.push_back(remove);
  EventInput restore = Input("plain@x.io", "page.view", "p2", kFixtureNowUs - kSecondUs);
  later.push_back(restore);
  later.push_back(Purchase("from@x.io", "moving", kFixtureNowUs - kDayUs, 3));
  later.push_back(Purchase("new@x.io", "n1", kFixtureNowUs, 1));
  for (const EventInput& in : later) {
    ASSERT_TRUE(engine_->Upsert("ws", in).ok());
    ASSERT_TRUE((*loaded)->Upsert("ws", in).ok());
    ASSERT_EQ(Dump(**loaded), Dump(*engine_)) << in.external_id;
  }
}

TEST_F(SnapshotLoaderTest, DuplicateEventKeyInAFileWithValidChecksumsIsRefused) {
  MustUpsert(Purchase("a@x.io", "dupA1", kFixtureNowUs - kSecondUs, 1));
  MustUpsert(Purchase("b@x.io", "dupB1", kFixtureNowUs, 2));
  const auto file = dir_ / "dup.snap";
  auto header = engine_->WriteSnapshot(file, {});
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  std::string bytes = ReadFile(file);
  const std::size_t at = bytes.find("dupB1");
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find("dupB1", at + 1), std::string::npos);
  bytes.replace(at, 5, "dupA1");
  ASSERT_NO_FATAL_FAILURE(Reseal(bytes));
  WriteFile(file, bytes);
  ASSERT_TRUE(VerifySnapshot(file).ok()) << "only state reveals the duplicate";

  StringInterner interner;
  const auto result = LoadSnapshot(file, interner, {});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsCorruption()) << result.status().ToString();
  EXPECT_NE(result.status().ToString().find("appears twice"), std::string::npos)
      << result.status().ToString();
  EXPECT_FALSE(OpenFrom(file, header->lsn, "log2").ok());
}

}  // namespace
}  // namespace tally::engine
