// ScanLog: every record checked without changing a file; problems named by segment, offset and
// LSN; a torn tail told apart from damaged acknowledged data.
#include "net/log_scan.h"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "log/logger.h"
#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAt(const std::filesystem::path& path, std::uint64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class LogScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kWarn);
    log_dir_ = dir_.path() / "log";
    log::LogOptions options;
    options.dir = log_dir_;
    options.segment_bytes = 8192;  // several segments for a few dozen records
    options.sync = log::SyncPolicy::kNone;
    auto log = log::Log::Open(options);
    ASSERT_TRUE(log.ok());
    engine::EngineOptions engine_options;
    engine_options.log = log->get();
    engine_options.segment_timer = false;
    auto engine = engine::Engine::Open(engine_options);
    ASSERT_TRUE(engine.ok());
    for (int i = 1; i <= kRecords; ++i) {
      engine::EventInput in;
      in.email = "scan@example.com";
      in.event_name = "signup";
      in.external_id = "id-" + std::to_string(1000 + i);
      in.occurred_at = 1'700'000'000'000'000 + i;
      in.properties_json = "{\"pad\":\"" + std::string(300, 'p') + "\"}";
      ASSERT_TRUE((*engine)->Upsert("ws", in).ok());
    }
    engine->reset();
    ASSERT_TRUE((*log)->Close().ok());
  }

  // The segment holding `needle` and its offset there.
  std::pair<std::filesystem::path, std::size_t> Find(const std::string& needle) {
    for (const auto& e : std::filesystem::directory_iterator(log_dir_)) {
      std::size_t at = ReadAll(e.path()).find(needle);
      if (at != std::string::npos) {
        return {e.path(), at};
      }
    }
    return {};
  }

  static constexpr int kRecords = 40;
  TempDir dir_;
  std::filesystem::path log_dir_;
};

TEST_F(LogScanTest, ACleanLogHasNoProblemsAndHandsOutEveryRecordInOrder) {
  std::vector<log::Lsn> seen;
  LogScanOptions options;
  options.from = 5;
  options.on_record = [&](const log::RecordView& r) {
    seen.push_back(r.lsn);
    return true;
  };
  Result<LogScanSummary> s = ScanLog(log_dir_, options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->problems.empty());
  EXPECT_FALSE(s->torn_tail.has_value());
  EXPECT_GT(s->segments, 2u);
  EXPECT_EQ(s->records, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(s->first_lsn, 1u);
  EXPECT_EQ(s->last_lsn, static_cast<log::Lsn>(kRecords));
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kRecords - 4));
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], 5 + i);
  }
}

TEST_F(LogScanTest, AFlippedPayloadByteIsReportedWithItsSegmentOffsetAndLsnAndTheScanGoesOn) {
  auto [segment, at] = Find("id-1007");
  ASSERT_FALSE(segment.empty());
  const std::string before = ReadAll(segment);
  WriteAt(segment, at, "X");
  Result<LogScanSummary> s = ScanLog(log_dir_, {});
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->problems.size(), 1u);
  EXPECT_EQ(s->problems[0].segment, segment.filename().string());
  EXPECT_EQ(s->problems[0].lsn, 7u);
  EXPECT_LT(s->problems[0].offset, at);
  EXPECT_NE(s->problems[0].reason.find("payload checksum mismatch"), std::string::npos)
      << s->problems[0].reason;
  EXPECT_EQ(s->records, static_cast<std::uint64_t>(kRecords - 1));
  EXPECT_EQ(s->last_lsn, static_cast<log::Lsn>(kRecords));
  // Scanning changed nothing.
  std::string after = ReadAll(segment);
  after[at] = before[at];
  EXPECT_EQ(after, before);
}

TEST_F(LogScanTest, ADamagedLastRecordIsAProblemWhenAcknowledgedAndATornTailOtherwise) {
  auto [segment, at] = Find("id-" + std::to_string(1000 + kRecords));
  ASSERT_FALSE(segment.empty());
  WriteAt(segment, at, "X");
  // Close() set the last segment's durable hint to the last LSN: the record was acknowledged.
  Result<LogScanSummary> acknowledged = ScanLog(log_dir_, {});
  ASSERT_TRUE(acknowledged.ok());
  ASSERT_EQ(acknowledged->problems.size(), 1u);
  EXPECT_EQ(acknowledged->problems[0].lsn, static_cast<log::Lsn>(kRecords));
  EXPECT_FALSE(acknowledged->torn_tail.has_value());
  // With the hint at zero (as after a crash before any sync of this segment), it never was.
  WriteAt(segment, 40, std::string(8, '\0'));
  Result<LogScanSummary> torn = ScanLog(log_dir_, {});
  ASSERT_TRUE(torn.ok());
  EXPECT_TRUE(torn->problems.empty()) << torn->problems[0].reason;
  ASSERT_TRUE(torn->torn_tail.has_value());
  EXPECT_EQ(torn->torn_tail->lsn, static_cast<log::Lsn>(kRecords));
  EXPECT_EQ(torn->torn_tail->segment, segment.filename().string());
}

TEST_F(LogScanTest, AMissingSegmentIsAnLsnGap) {
  std::vector<std::filesystem::path> segments;
  for (const auto& e : std::filesystem::directory_iterator(log_dir_)) {
    segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GT(segments.size(), 2u);
  std::filesystem::remove(segments[1]);
  Result<LogScanSummary> s = ScanLog(log_dir_, {});
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->problems.size(), 1u);
  EXPECT_EQ(s->problems[0].segment, segments[2].filename().string());
  EXPECT_NE(s->problems[0].reason.find("expected"), std::string::npos);
}

TEST_F(LogScanTest, AMissingDirectoryIsNotFound) {
  EXPECT_TRUE(ScanLog(dir_.path() / "nope", {}).status().IsNotFound());
}

}  // namespace
}  // namespace tally::net
