// Open with a snapshot: the engine equals one that replayed the whole log, the snapshot's
// erasure marks come back, and the marks follow erasures until forgotten.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/snapshot_test_support.h"

namespace tally::engine {
namespace {

class SnapshotOpenTest : public EngineFixture {
 protected:
  void SetUp() override {
    segment_timer_ = false;
    EngineFixture::SetUp();
  }

  // Closes the engine and reopens it on the same log, loading `snapshot` first.
  void ReopenWithSnapshot(const std::filesystem::path& snapshot) {
    engine_.reset();
    EngineOptions options;
    options.log = log_.get();
    options.clock = &clock_;
    options.segment_timer = false;
    options.snapshot = snapshot;
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }
};

TEST_F(SnapshotOpenTest, OpenLoadsTheSnapshotThenReplaysTheLogTail) {
  SnapshotWorkload workload(11, clock_);
  for (int i = 0; i < 300; ++i) ASSERT_NO_FATAL_FAILURE(workload.Step({engine_.get()}));
  const auto file = dir_ / "s.snap";
  auto header = engine_->WriteSnapshot(file, {});
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  // The tail: writes, imports, erasures, segment changes and boundaries after the snapshot.
  for (int i = 0; i < 300; ++i) ASSERT_NO_FATAL_FAILURE(workload.Step({engine_.get()}));
  ASSERT_GT(log_->last_lsn(), header->lsn);
  const std::string before = DumpAll(*engine_);

  ReopenWithSnapshot(file);
  EXPECT_EQ(DumpAll(*engine_), before);
  EXPECT_EQ(engine_->GetStats().applied_lsn, log_->last_lsn());
  // And the same as a replay of the whole log.
  Reopen();
  EXPECT_EQ(DumpAll(*engine_), before);
}

TEST_F(SnapshotOpenTest, ErasureMarksAreKeptInSnapshotsAndForgottenOnRequest) {
  MustUpsert(Input("a@x.io", "e", "1", kFixtureNowUs));
  MustUpsert(Input("b@x.io", "e", "2", kFixtureNowUs));
  ASSERT_TRUE(engine_->EraseContact("ws", "a@x.io").ok());
  const log::Lsn first = log_->last_lsn();
  clock_.Advance(kSecondUs);
  ASSERT_TRUE(engine_->EraseContact("ws", "b@x.io").ok());
  const log::Lsn second = log_->last_lsn();
  ASSERT_EQ(engine_->Erasures().size(), 2u);
  EXPECT_EQ(engine_->Erasures()[0].lsn, first);
  EXPECT_EQ(engine_->Erasures()[0].recorded_at, kFixtureNowUs);
  EXPECT_EQ(engine_->Erasures()[1].lsn, second);
  EXPECT_EQ(engine_->Erasures()[1].recorded_at, kFixtureNowUs + kSecondUs);

  const auto file = dir_ / "s.snap";
  ASSERT_TRUE(engine_->WriteSnapshot(file, {}).ok());
  ReopenWithSnapshot(file);
  ASSERT_EQ(engine_->Erasures().size(), 2u);
  EXPECT_EQ(engine_->Erasures()[1].lsn, second);

  engine_->ForgetErasuresThrough(first);
  ASSERT_EQ(engine_->Erasures().size(), 1u);
  EXPECT_EQ(engine_->Erasures()[0].lsn, second);
  engine_->ForgetErasuresThrough(second);
  EXPECT_TRUE(engine_->Erasures().empty());

  // A replay of the log notes every erasure it applies.
  Reopen();
  EXPECT_EQ(engine_->Erasures().size(), 2u);
}

}  // namespace
}  // namespace tally::engine
