// GroupCommitSignals: how appenders waiting for durability and the log's sync rounds wake each
// other under SyncPolicy::kAlways, without a mutex that every waiter takes.
//
// A sync round (one call of the log's SyncWritten) is numbered; it calls BeginRound before it
// looks at what is written and EndRound once durable_lsn covers it. Up to kRoundsInFlightMax
// rounds may have begun and not ended (their msyncs overlap), and rounds end in the order they
// began. An appender whose record is complete asks for NextRound() (a round that begins after
// this call, so it sees the record unless an earlier record is still being copied), then
// RequestSync(), then WaitForRound: round numbers go round kWords futex words, more than the
// rounds that can be in flight, so a round's end wakes only the appenders that wait for that
// round, never those that need a later one (with one condition variable each sync woke every
// waiter, most of them to sleep again). A round's end wakes one waiter and each woken waiter
// the next, so the sync thread is free to start the next round at once.
// The sync threads sleep in WaitForRoundWorthStarting until some appender asked for a round since
// the last round began (while a round is in flight: enough of them to be worth overlapping it;
// the thread of the round in flight starts the next one anyway when it is done). Sleeping and
// waking go through FutexWord (no spinning; see log/futex_word.h).
//
// Thread safety: BeginRound/EndRound are called under one lock (the log's sync lock), which
// keeps at most kRoundsInFlightMax rounds in flight; everything else from any thread. Round
// numbers wrap around at 2^32; waiters compare them modulo 2^32, which is correct while a
// waiter is fewer than 2^31 rounds behind.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "log/futex_word.h"

namespace tally::log {

class GroupCommitSignals {
 public:
  // A waiter asks for at most the round after the last one begun, and that round's word must
  // not be the word of a round still in flight: kWords > kRoundsInFlightMax.
  static constexpr std::uint32_t kRoundsInFlightMax = 3;
  static constexpr std::uint32_t kWords = 4;
  static_assert(kWords > kRoundsInFlightMax && (kWords & (kWords - 1)) == 0);
  // While a round is in flight, the thread that finishes it starts the next one anyway; a
  // sleeping sync thread is woken to overlap a round only once this many requests came in
  // since the last round began (each wake-up costs an appender a system call, the sync thread
  // a context switch, and a small round an msync of its own).
  static constexpr std::uint32_t kOverlapRequestsMin = 16;

  // Appender side. NextRound must be called after the caller's record is marked done: the
  // round it returns sees that record (it synchronizes with the caller through the round
  // counter).
  std::uint32_t NextRound();
  // Counts a request and wakes a sync thread if one sleeps in WaitForRoundWorthStarting and no
  // round is in flight or kOverlapRequestsMin requests came in since the last round began.
  void RequestSync();
  // Blocks until `round` has ended or WakeAll was called (or spuriously); the caller then
  // rechecks what it is waiting for (its LSN may need a later round when an earlier record was
  // still being copied).
  void WaitForRound(std::uint32_t round);

  // Sync side, under the sync lock: BeginRound returns the new round's number; EndRound ends
  // the oldest round in flight, which must be `round`.
  std::uint32_t BeginRound();
  void EndRound(std::uint32_t round);
  // Rounds begun and not yet ended (under the sync lock).
  std::uint32_t in_flight() const;

  // The sync threads: the request count, and a wait until a round is worth starting: a request
  // came in since the last round began (by any thread: requests before it are covered by it)
  // and, while a round is in flight, kOverlapRequestsMin of them; or WakeAll has been called. A
  // thread that finishes a round and finds fewer requests sleeps rather than run a small
  // overlapping round: each round costs an msync and the CPU to plan and publish it.
  std::uint32_t requests() const { return requests_.value().load(std::memory_order_seq_cst); }
  void WaitForRoundWorthStarting();

  // Wakes every waiter and the sync threads (the log failed or is closing; they recheck why).
  // From then on WaitForRoundWorthStarting returns at once.
  void WakeAll();

 private:
  std::atomic<std::uint32_t> started_{0};  // the last round begun
  // The last round ended; written under the sync lock, read by RequestSync.
  std::atomic<std::uint32_t> last_ended_{0};
  // requests() when the last round began; written under the sync lock, read by RequestSync.
  std::atomic<std::uint32_t> requests_at_begin_{0};
  // ended_[r % kWords]: the last round of that residue that ended (round 0 "ended" at start;
  // rounds 1..3 start at -3..-1, so that they are not yet reached).
  std::array<FutexWord, kWords> ended_{FutexWord(0), FutexWord(~std::uint32_t{2}),
                                       FutexWord(~std::uint32_t{1}), FutexWord(~std::uint32_t{0})};
  FutexWord requests_;
  // How many sync threads are (about to be) asleep in WaitForRoundWorthStarting, so that
  // RequestSync makes
  // a system call only then.
  std::atomic<std::uint32_t> sync_sleepers_{0};
  std::atomic<bool> woken_all_{false};  // WakeAll was called
};

}  // namespace tally::log
