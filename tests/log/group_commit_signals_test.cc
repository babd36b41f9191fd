#include "log/group_commit_signals.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tally::log {
namespace {

using namespace std::chrono_literals;

// Runs WaitForRound(round) on a thread and reports when it returned.
class RoundWaiter {
 public:
  RoundWaiter(GroupCommitSignals& signals, std::uint32_t round)
      : thread_([this, &signals, round] {
          signals.WaitForRound(round);
          done_.store(true);
        }) {}
  ~RoundWaiter() { thread_.join(); }
  bool done() const { return done_.load(); }
  // Waits up to 10 s for the waiter to return.
  bool Returns() {
    for (int i = 0; i < 10'000 && !done(); ++i) {
      std::this_thread::sleep_for(1ms);
    }
    return done();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(GroupCommitSignalsTest, NextRoundIsTheRoundAfterTheLastOneBegun) {
  GroupCommitSignals signals;
  EXPECT_EQ(signals.NextRound(), 1u);
  const std::uint32_t round = signals.BeginRound();
  EXPECT_EQ(round, 1u);
  // Round 1 may have looked at the written records before the caller's was done.
  EXPECT_EQ(signals.NextRound(), 2u);
  signals.EndRound(round);
  EXPECT_EQ(signals.NextRound(), 2u);
}

TEST(GroupCommitSignalsTest, AWaiterIsReleasedByTheEndOfItsRoundNotOfTheRoundBefore) {
  GroupCommitSignals signals;
  const std::uint32_t running = signals.BeginRound();
  const std::uint32_t next = signals.NextRound();
  RoundWaiter waiter(signals, next);
  signals.EndRound(running);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(waiter.done());
  EXPECT_EQ(signals.BeginRound(), next);
  signals.EndRound(next);
  EXPECT_TRUE(waiter.Returns());
}

TEST(GroupCommitSignalsTest, OneRoundEndReleasesEveryWaiterOfThatRound) {
  GroupCommitSignals signals;
  const std::uint32_t round = signals.NextRound();
  std::vector<std::unique_ptr<RoundWaiter>> waiters;
  for (int i = 0; i < 8; ++i) {
    waiters.push_back(std::make_unique<RoundWaiter>(signals, round));
  }
  std::this_thread::sleep_for(20ms);  // most of them fall asleep
  EXPECT_EQ(signals.BeginRound(), round);
  signals.EndRound(round);  // wakes one; each woken waiter wakes the next
  for (auto& waiter : waiters) {
    EXPECT_TRUE(waiter->Returns());
  }
}

TEST(GroupCommitSignalsTest, WaitingForARoundThatEndedReturnsAtOnce) {
  GroupCommitSignals signals;
  for (int i = 0; i < 3; ++i) {
    signals.EndRound(signals.BeginRound());
  }
  signals.WaitForRound(2);
  signals.WaitForRound(3);
}

TEST(GroupCommitSignalsTest, WakeAllReleasesWaitersOfBothParities) {
  GroupCommitSignals signals;
  const std::uint32_t running = signals.BeginRound();
  RoundWaiter odd(signals, running);
  RoundWaiter even(signals, running + 1);
  std::this_thread::sleep_for(20ms);
  signals.WakeAll();
  EXPECT_TRUE(odd.Returns());
  EXPECT_TRUE(even.Returns());
}

TEST(GroupCommitSignalsTest, ARequestWakesTheSyncThreadAndWakeAllDoesToo) {
  GroupCommitSignals signals;
  for (const bool wake_all : {false, true}) {
    const std::uint32_t seen = signals.requests();
    std::atomic<bool> woke{false};
    std::thread sync_thread([&] {
      signals.WaitForRequest(seen);
      woke.store(true);
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(woke.load());
    if (wake_all) {
      signals.WakeAll();
    } else {
      signals.RequestSync();
    }
    sync_thread.join();
    EXPECT_TRUE(woke.load());
    EXPECT_NE(signals.requests(), seen);
  }
}

TEST(GroupCommitSignalsTest, AWaiterTwoRoundsAheadIsReleasedOnlyByItsOwnRound) {
  GroupCommitSignals signals;
  std::uint32_t round = 0;
  for (int i = 0; i < 5; ++i) {
    round = signals.BeginRound();
    signals.EndRound(round);
  }
  RoundWaiter waiter(signals, round + 2);
  signals.EndRound(signals.BeginRound());  // round + 1: the other word
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(waiter.done());
  signals.EndRound(signals.BeginRound());
  EXPECT_TRUE(waiter.Returns());
}

}  // namespace
}  // namespace tally::log
