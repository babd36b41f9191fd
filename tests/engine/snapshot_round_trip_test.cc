// Seeded randomized round trip: random writes, imports, erasures, saved segments and time
// passing; at random points a snapshot is loaded into a second engine,
// which must equal the writer, and then take the same further operations and still equal it.
// TALLY_SNAPSHOT_MODEL_SEED=<n> replays one seed.
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/random_seed.h"
#include "tests/engine/snapshot_test_support.h"

namespace tally::engine {
namespace {

constexpr int kRounds = 4;
constexpr int kStepsBefore = 250;
constexpr int kStepsAfter = 150;

class SnapshotRoundTripTest : public EngineFixture {
 protected:
  void SetUp() override {
    segment_timer_ = false;  // time is driven by the test, so a seed replays exactly
    EngineFixture::SetUp();
  }
};

TEST_F(SnapshotRoundTripTest, LoadedEngineEqualsTheWriterNowAndAfterTheSameLaterOperations) {
  const RandomSeed random_seed("TALLY_SNAPSHOT_MODEL_SEED");
  SCOPED_TRACE(random_seed.replay_hint());
  const std::uint64_t seed = random_seed.value();
  SnapshotWorkload workload(seed, clock_);
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int steps = kStepsBefore / 2 + workload.Pick(kStepsBefore);
    for (int i = 0; i < steps; ++i) ASSERT_NO_FATAL_FAILURE(workload.Step({engine_.get()}));

    const auto file = dir_ / ("round" + std::to_string(round) + ".snap");
    auto header = engine_->WriteSnapshot(file, {});
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    EXPECT_EQ(header->lsn, log_->last_lsn());
    EXPECT_EQ(header->events, engine_->GetStats().events);

    auto log = OpenLogAfter(dir_ / ("log" + std::to_string(round)), header->lsn);
    ASSERT_NE(log, nullptr);
    EngineOptions options;
    options.log = log.get();
    options.clock = &clock_;
    options.segment_timer = false;
    options.snapshot = file;
    auto loaded = Engine::Open(options);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ASSERT_EQ(DumpAll(**loaded), DumpAll(*engine_));

    for (int i = 0; i < kStepsAfter; ++i) {
      ASSERT_NO_FATAL_FAILURE(workload.Step({engine_.get(), loaded->get()}));
      // After every step, so a divergence names the operation that caused it.
      ASSERT_EQ(DumpAll(**loaded), DumpAll(*engine_)) << "after operation " << i;
    }
    workload.CheckContacts(*engine_);
  }
}

}  // namespace
}  // namespace tally::engine
