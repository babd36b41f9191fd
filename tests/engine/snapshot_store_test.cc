// SnapshotStore: file names, publishing, keep-N pruning, compaction, start-up choice with
// fallback, the refusal of a log with a gap, one save at a time, and erasure purging.
#include "engine/snapshot_store.h"

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "log/log_reader.h"
#include "log/logger.h"
#include "tests/engine/state_dump.h"
#include "tests/log/fault_injecting_file_system.h"

namespace tally::engine {
namespace {

constexpr TimeUs kNowUs = 1'717'200'000'000'000;  // 2024-06-01T00:00:00Z
// Small segments, so that a few dozen records span many files and compaction has work to do.
constexpr std::uint64_t kSegmentBytes = 8192;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kWarn);
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("tally_snapshot_store_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    OpenAll();
  }

  void TearDown() override {
    SetLogSink({});
    engine_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path snapshots() const { return dir_ / "snapshots"; }

  void OpenLog() {
    log::LogOptions options;
    options.dir = dir_ / "log";
    options.sync = log::SyncPolicy::kNone;
    options.segment_bytes = kSegmentBytes;
    auto log = log::Log::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }

  // Opens log, store and engine as serve does.
  void OpenAll() {
    OpenLog();
    auto store = SnapshotStore::Open(snapshots(), keep_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto engine = store_->OpenEngine(Options(), *log_);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  Status Reopen() {
    engine_.reset();
    store_.reset();
    EXPECT_TRUE(log_->Close().ok());
    log_.reset();
    OpenLog();
    auto store = SnapshotStore::Open(snapshots(), keep_);
    EXPECT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto engine = store_->OpenEngine(Options(), *log_);
    if (!engine.ok()) {
      return engine.status();
    }
    engine_ = std::move(engine).value();
    return Status::Ok();
  }

  EngineOptions Options() {
    EngineOptions options;
    options.log = log_.get();
    options.clock = &clock_;
    options.segment_timer = false;
    return options;
  }

  // `n` upserts spread over emails a0..a4, keys continuing from the previous call.
  void Write(int n) {
    for (int i = 0; i < n; ++i, ++written_) {
      EventInput in;
      in.email = "a" + std::to_string(written_ % 5) + "@example.com";
      in.event_name = "order.completed";
      in.external_id = "k" + std::to_string(written_);
      in.occurred_at = kNowUs - written_;
      in.properties_json = R"({"note":"padding so that records fill segments quickly"})";
      auto r = engine_->Upsert("ws", in);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  std::string Dump() const {
    std::vector<std::string> emails;
    for (int i = 0; i < 5; ++i) {
      emails.push_back("a" + std::to_string(i) + "@example.com");
    }
    emails.push_back("victim@example.com");
    return DumpState(*engine_, "ws", emails, {"order.completed", "signup"});
  }

  SnapshotSaved Save(const SnapshotSaveOptions& options = {}) {
    auto saved = store_->Save(*engine_, *log_, options);
    EXPECT_TRUE(saved.ok()) << saved.status().ToString();
    return saved.ok() ? std::move(saved).value() : SnapshotSaved{};
  }

  std::vector<log::Lsn> Lsns() const {
    auto files = store_->List();
    EXPECT_TRUE(files.ok());
    std::vector<log::Lsn> lsns;
    for (const SnapshotFile& f : *files) {
      lsns.push_back(f.lsn);
    }
    return lsns;
  }

  std::filesystem::path dir_;
  std::size_t keep_ = 2;
  ManualClock clock_{kNowUs};
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<SnapshotStore> store_;
  std::unique_ptr<Engine> engine_;
  int written_ = 0;
};

TEST(SnapshotFileNameTest, NamesCarryTheLsnInTwentyDigitsAndOtherNamesAreNotSnapshots) {
  EXPECT_EQ(SnapshotFileName(42), "snapshot-00000000000000000042.tsnap");
  EXPECT_EQ(ParseSnapshotFileName(SnapshotFileName(42)), 42u);
  EXPECT_EQ(ParseSnapshotFileName(SnapshotFileName(18446744073709551615ull)),
            18446744073709551615ull);
  EXPECT_FALSE(ParseSnapshotFileName("snapshot-42.tsnap").has_value());
  EXPECT_FALSE(ParseSnapshotFileName("snapshot-0000000000000000004x.tsnap").has_value());
  EXPECT_FALSE(ParseSnapshotFileName("incomplete-1-1.tsnap-tmp").has_value());
  EXPECT_TRUE(IsSnapshotTempFileName("incomplete-1-1.tsnap-tmp"));
  EXPECT_FALSE(IsSnapshotTempFileName(SnapshotFileName(7)));
}

TEST_F(SnapshotStoreTest, OpenRejectsAKeepOutsideItsLimits) {
  EXPECT_TRUE(SnapshotStore::Open(snapshots(), 0).status().IsInvalidArgument());
  EXPECT_TRUE(SnapshotStore::Open(snapshots(), kSnapshotKeepMax + 1).status().IsInvalidArgument());
}

TEST_F(SnapshotStoreTest, OpenRemovesTemporaryFilesOfAnInterruptedSaveAndLogsThem) {
  Write(3);
  SnapshotSaved saved = Save();
  std::ofstream(snapshots() / "incomplete-123-1.tsnap-tmp") << "half a snapshot";
  std::ofstream(snapshots() / "notes.txt") << "an operator's file";
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  auto store = SnapshotStore::Open(snapshots(), 2);
  SetLogSink({});
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(std::filesystem::exists(snapshots() / "incomplete-123-1.tsnap-tmp"));
  EXPECT_TRUE(std::filesystem::exists(snapshots() / "notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(saved.path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("incomplete-123-1.tsnap-tmp"), std::string::npos) << lines[0];
}

TEST_F(SnapshotStoreTest, SavePublishesUnderItsLsnAndKeepsOnlyTheNewestN) {
  Write(5);
  SnapshotSaved first = Save();
  EXPECT_EQ(first.header.lsn, log_->last_lsn());
  EXPECT_EQ(first.path, snapshots() / SnapshotFileName(first.header.lsn));
  EXPECT_EQ(first.header.events, 5u);
  Write(5);
  SnapshotSaved second = Save();
  Write(5);
  SnapshotSaved third = Save();
  EXPECT_EQ(Lsns(), (std::vector<log::Lsn>{second.header.lsn, third.header.lsn}));
  ASSERT_EQ(third.removed.size(), 1u);
  EXPECT_EQ(third.removed[0], first.path);
  for (const auto& entry : std::filesystem::directory_iterator(snapshots())) {
    EXPECT_TRUE(ParseSnapshotFileName(entry.path().filename().string()).has_value())
        << entry.path();
  }
}

TEST_F(SnapshotStoreTest, CompactionDeletesOnlySegmentsTheOldestKeptSnapshotCovers) {
  Write(60);
  SnapshotSaved first = Save();
  // With one snapshot, the oldest kept is it: segments wholly at or below its LSN go.
  EXPECT_GT(first.segments_deleted, 0u);
  EXPECT_GT(log_->first_lsn(), 1u);
  EXPECT_LE(log_->first_lsn(), first.header.lsn + 1);
  Write(60);
  SnapshotSaved second = Save();
  // The first snapshot is still kept: everything after its LSN must still be in the log.
  EXPECT_LE(log_->first_lsn(), first.header.lsn + 1);
  Write(60);
  SnapshotSaved third = Save();
  EXPECT_LE(log_->first_lsn(), second.header.lsn + 1);
  EXPECT_GT(log_->first_lsn(), first.header.lsn + 1);
  // Every LSN after the oldest kept snapshot can still be read.
  auto reader = log_->Read(second.header.lsn + 1);
  ASSERT_TRUE(reader.ok());
  log::Lsn expected = second.header.lsn + 1;
  for (;;) {
    auto next = reader->Next();
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    if (!next->has_value()) {
      break;
    }
    EXPECT_EQ((*next)->lsn, expected++);
  }
  EXPECT_EQ(expected, third.header.lsn + 1);
}

TEST_F(SnapshotStoreTest, StartUpLoadsTheNewestSnapshotAndReplaysTheTail) {
  Write(20);
  Save();
  Write(7);
  const std::string before = Dump();
  ASSERT_TRUE(Reopen().ok());
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(engine_->GetStats().events, 27u);
  EXPECT_EQ(engine_->GetStats().applied_lsn, log_->last_lsn());
}

TEST_F(SnapshotStoreTest, StartUpFallsBackToThePreviousSnapshotWhenTheNewestIsDamaged) {
  Write(20);
  Save();
  Write(20);
  SnapshotSaved newest = Save();
  Write(3);
  const std::string before = Dump();
  {
    // Flip one byte in the middle of the newest snapshot's content.
    std::fstream f(newest.path, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(newest.header.file_bytes - 100);
    f.seekg(at);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(at);
    f.write(&c, 1);
  }
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  Status reopened = Reopen();
  SetLogSink({});
  ASSERT_TRUE(reopened.ok()) << reopened.ToString();
  EXPECT_EQ(Dump(), before);
  bool named = false;
  for (const std::string& line : lines) {
    named = named || (line.find("falling back") != std::string::npos &&
                      line.find(newest.path.filename().string()) != std::string::npos);
  }
  EXPECT_TRUE(named) << "no log line names the damaged snapshot";
}

TEST_F(SnapshotStoreTest, StartUpRefusesALogThatStartsAfterLsnOneWithoutASnapshotCoveringIt) {
  Write(60);
  Save();
  const log::Lsn first = log_->first_lsn();
  ASSERT_GT(first, 1u);
  for (const auto& entry : std::filesystem::directory_iterator(snapshots())) {
    std::filesystem::remove(entry.path());
  }
  Status reopened = Reopen();
  ASSERT_EQ(reopened.code(), Status::Code::kFailedPrecondition) << reopened.ToString();
  EXPECT_NE(reopened.message().find("starts at LSN " + std::to_string(first)), std::string::npos)
      << reopened.ToString();
  EXPECT_NE(reopened.message().find("1.." + std::to_string(first - 1)), std::string::npos)
      << reopened.ToString();
}

TEST_F(SnapshotStoreTest, StartUpRefusesASnapshotAheadOfTheLog) {
  Write(10);
  SnapshotSaved saved = Save();
  engine_.reset();
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  std::filesystem::remove_all(dir_ / "log");  // a log that lost every record
  OpenLog();
  auto engine = store_->OpenEngine(Options(), *log_);
  ASSERT_EQ(engine.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(engine.status().message().find("up to LSN " + std::to_string(saved.header.lsn) +
                                           " but the log ends at LSN 0"),
            std::string::npos)
      << engine.status().ToString();
}

TEST_F(SnapshotStoreTest, ASecondSaveIsRefusedWhileOneRunsWhenItAskedNotToWait) {
  Write(10);
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  std::thread first([&] {
    SnapshotSaveOptions options;
    options.progress = [&](std::uint64_t, std::uint64_t) {
      std::unique_lock lock(mu);
      started = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    };
    EXPECT_TRUE(store_->Save(*engine_, *log_, options).ok());
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started; });
  }
  SnapshotSaveOptions options;
  options.wait_if_busy = false;
  auto refused = store_->Save(*engine_, *log_, options);
  EXPECT_EQ(refused.status().code(), Status::Code::kAlreadyExists);
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  first.join();
  EXPECT_EQ(Lsns().size(), 1u);
}

TEST_F(SnapshotStoreTest, AFailedRenamePublishesNothingAndRemovesTheTemporaryFile) {
  Write(5);
  SnapshotSaved first = Save();
  Write(5);
  log::testing::FaultInjectingFileSystem fs;
  auto faulty = SnapshotStore::Open(snapshots(), 2, &fs);
  ASSERT_TRUE(faulty.ok());
  fs.FailNth(log::testing::FaultInjectingFileSystem::Op::kRename, 1, EIO, /*sticky=*/false);
  SnapshotSaveOptions options;
  auto failed = (*faulty)->Save(*engine_, *log_, options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kIoError) << failed.status().ToString();
  EXPECT_EQ(Lsns(), std::vector<log::Lsn>{first.header.lsn});
  for (const auto& entry : std::filesystem::directory_iterator(snapshots())) {
    EXPECT_FALSE(IsSnapshotTempFileName(entry.path().filename().string())) << entry.path();
  }
  auto retried = (*faulty)->Save(*engine_, *log_, options);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(Lsns(), (std::vector<log::Lsn>{first.header.lsn, retried->header.lsn}));
}

TEST_F(SnapshotStoreTest, AFailedDirectoryFsyncIsReportedAndPruningWaitsForTheNextSave) {
  keep_ = 1;
  ASSERT_TRUE(Reopen().ok());
  Write(5);
  SnapshotSaved first = Save();
  Write(5);
  log::testing::FaultInjectingFileSystem fs;
  auto faulty = SnapshotStore::Open(snapshots(), 1, &fs);
  ASSERT_TRUE(faulty.ok());
  fs.FailNth(log::testing::FaultInjectingFileSystem::Op::kSyncMetadata, 1, EIO,
             /*sticky=*/false);
  SnapshotSaveOptions options;
  auto failed = (*faulty)->Save(*engine_, *log_, options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kIoError);
  // Published, but the older one is not pruned while the directory's durability is unknown.
  EXPECT_EQ(Lsns().size(), 2u);
  Write(1);
  auto next = (*faulty)->Save(*engine_, *log_, options);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(Lsns(), std::vector<log::Lsn>{next->header.lsn});
  EXPECT_NE(first.header.lsn, next->header.lsn);
}

TEST_F(SnapshotStoreTest, PurgeErasuresLeavesNoFileHoldingTheErasedEmail) {
  EventInput victim;
  victim.email = "victim@example.com";
  victim.event_name = "signup";
  victim.external_id = "v1";
  victim.occurred_at = kNowUs;
  ASSERT_TRUE(engine_->Upsert("ws", victim).ok());
  Write(10);
  Save();  // a kept snapshot that holds the victim
  Write(10);
  ASSERT_TRUE(engine_->EraseContact("ws", "victim@example.com").ok());
  ASSERT_EQ(engine_->Erasures().size(), 1u);
  Write(5);
  SnapshotSaveOptions options;
  auto purged = store_->PurgeErasures(*engine_, *log_, options);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_TRUE(engine_->Erasures().empty());
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(ReadAll(entry.path()).find("victim@example.com"), std::string::npos)
          << entry.path();
    }
  }
  // The state survives a restart from what is left on disk.
  const std::string before = Dump();
  ASSERT_TRUE(Reopen().ok());
  EXPECT_EQ(Dump(), before);
}

TEST_F(SnapshotStoreTest, ErasedThroughIsBoundedByTheLogStartAndTheOldestKeptSnapshot) {
  auto none = store_->ErasedThrough(*log_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  Write(60);
  SnapshotSaved saved = Save();
  auto through = store_->ErasedThrough(*log_);
  ASSERT_TRUE(through.ok());
  EXPECT_EQ(*through, std::min(log_->first_lsn() - 1, saved.header.lsn));
  EXPECT_GT(*through, 0u);
}

}  // namespace
}  // namespace tally::engine
