#include "log/group_commit_signals.h"

#include "log/assert.h"

namespace tally::log {
namespace {

// Whether round `ended` is `round` or later, modulo 2^32.
bool Reached(std::uint32_t ended, std::uint32_t round) {
  return static_cast<std::int32_t>(ended - round) >= 0;
}

}  // namespace

std::uint32_t GroupCommitSignals::NextRound() {
  // A read-modify-write, like BeginRound's: either it comes after that round's in the counter's
  // modification order (and returns a later round), or that round's reads from it, and so sees
  // the caller's record marked done when it looks at the written watermark. (Fences would do
  // the same, but ThreadSanitizer does not support them.)
  return started_.fetch_add(0, std::memory_order_acq_rel) + 1;
}

void GroupCommitSignals::RequestSync() {
  requests_.value().fetch_add(1, std::memory_order_seq_cst);
  // Pairs with WaitForRequest: either this load sees the sync thread going to sleep, or the
  // sync thread sees the new count and does not sleep.
  if (sync_sleeping_.load(std::memory_order_seq_cst)) {
    requests_.WakeOne();
  }
}

void GroupCommitSignals::WaitForRequest(std::uint32_t seen) {
  sync_sleeping_.store(true, std::memory_order_seq_cst);
  while (requests_.value().load(std::memory_order_seq_cst) == seen) {
    requests_.Wait(seen);
  }
  sync_sleeping_.store(false, std::memory_order_relaxed);
}

void GroupCommitSignals::WaitForRound(std::uint32_t round) {
  FutexWord& ended = ended_[round & 1];
  const std::uint32_t seen = ended.value().load(std::memory_order_acquire);
  if (!Reached(seen, round)) {
    // The word of this parity changes next when `round` ends (the round before it of the same
    // parity has ended: rounds run one at a time), or on WakeAll.
    ended.Wait(seen);
    // EndRound wakes one sleeper, the longest-waiting (a futex queue is first in, first out,
    // and everyone asleep on this word at that moment waits for this round); each woken waiter
    // wakes the next, so the sync thread does not spend its time waking dozens of threads
    // before it can start the next round. The chain ends at a thread that waits for a later
    // round, which wakes, finds its round not reached, and sleeps again.
    if (Reached(ended.value().load(std::memory_order_acquire), round)) {
      ended.WakeOne();
    }
  }
}

std::uint32_t GroupCommitSignals::BeginRound() {
  return started_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

void GroupCommitSignals::EndRound(std::uint32_t round) {
  TALLY_ASSERT(round == started_.load(std::memory_order_relaxed));
  FutexWord& ended = ended_[round & 1];
  ended.value().store(round, std::memory_order_release);
  ended.WakeOne();  // the rest in a chain, see WaitForRound
}

void GroupCommitSignals::WakeAll() {
  // Moving both words on by a round of their parity releases every waiter: each waits for the
  // round after the last one that ended of its parity.
  for (FutexWord& ended : ended_) {
    ended.value().fetch_add(2, std::memory_order_acq_rel);
    ended.WakeAll();
  }
  requests_.value().fetch_add(1, std::memory_order_seq_cst);
  requests_.WakeOne();
}

}  // namespace tally::log
