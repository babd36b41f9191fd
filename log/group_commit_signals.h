// GroupCommitSignals: how appenders waiting for durability and the log's sync rounds wake each
// other under SyncPolicy::kAlways, without a mutex that every waiter takes.
//
// A sync round (one call of the log's SyncWritten) is numbered; it calls BeginRound before it
// looks at what is written and EndRound after durable_lsn moved. An appender whose record is
// complete asks for NextRound() (a round that begins after this call, so it sees the record
// unless an earlier record is still being copied), then RequestSync(), then WaitForRound:
// round numbers alternate between two futex words, so a round's end wakes only the appenders
// that wait for that round, never those that arrived while it was running and need the next
// one (with one condition variable each sync woke every waiter, most of them to sleep again).
// A round's end wakes one waiter and each woken waiter the next, so the sync thread is free to
// start the next round at once.
// The sync thread sleeps in WaitForRequest until some appender asked for a round. Sleeping and
// waking go through FutexWord (no spinning; see log/futex_word.h).
//
// Thread safety: BeginRound/EndRound are called by one thread at a time (the log's sync lock);
// everything else from any thread. Round numbers wrap around at 2^32; waiters compare them
// modulo 2^32, which is correct while a waiter is fewer than 2^31 rounds behind.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "log/futex_word.h"

namespace tally::log {

class GroupCommitSignals {
 public:
  // Appender side. NextRound must be called after the caller's record is marked done: the
  // round it returns sees that record (it synchronizes with the caller through the round
  // counter).
  std::uint32_t NextRound();
  // Counts a request and wakes the sync thread if it sleeps in WaitForRequest.
  void RequestSync();
  // Blocks until `round` has ended or WakeAll was called (or spuriously); the caller then
  // rechecks what it is waiting for (its LSN may need a later round when an earlier record was
  // still being copied).
  void WaitForRound(std::uint32_t round);

  // Sync side, one round at a time.
  std::uint32_t BeginRound();
  void EndRound(std::uint32_t round);

  // The sync thread: the request count, and a wait until it differs from `seen`.
  std::uint32_t requests() const { return requests_.value().load(std::memory_order_seq_cst); }
  void WaitForRequest(std::uint32_t seen);

  // Wakes every waiter and the sync thread (the log failed or is closing; they recheck why).
  void WakeAll();

 private:
  std::atomic<std::uint32_t> started_{0};  // the last round begun
  // ended_[r % 2]: the last round of that parity that ended (round 0 "ended" at start; round
  // -1 for odd rounds, so that round 1 is not yet reached).
  std::array<FutexWord, 2> ended_{FutexWord(0), FutexWord(~std::uint32_t{0})};
  FutexWord requests_;
  // Whether the sync thread is (about to be) asleep in WaitForRequest, so that RequestSync
  // makes a system call only then.
  std::atomic<bool> sync_sleeping_{false};
};

}  // namespace tally::log
