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
  const std::uint32_t requests = requests_.value().fetch_add(1, std::memory_order_seq_cst) + 1;
  // Pairs with WaitForRoundWorthStarting: either this load sees a sync thread going to sleep, or
  // that thread sees the new count and does not sleep.
  if (sync_sleepers_.load(std::memory_order_seq_cst) == 0) {
    return;
  }
  // Read after the sleepers, and the rounds ended before the rounds begun (so the difference
  // is never negative): a thread counted as sleeping is seen with every round it ended. A
  // round still in flight belongs to a thread that looks at the request count again when it
  // is done (a sync thread loops; Sync() asks for a round), so skipping the wake-up then is
  // safe.
  const std::uint32_t ended = last_ended_.load(std::memory_order_acquire);
  const std::uint32_t in_flight = started_.load(std::memory_order_acquire) - ended;
  if (in_flight == 0 ||
      requests - requests_at_begin_.load(std::memory_order_relaxed) >= kOverlapRequestsMin) {
    requests_.WakeOne();
  }
}

void GroupCommitSignals::WaitForRoundWorthStarting() {
  sync_sleepers_.fetch_add(1, std::memory_order_seq_cst);
  for (;;) {
    const std::uint32_t requests = requests_.value().load(std::memory_order_seq_cst);
    // The same condition as RequestSync's for waking a sleeper, so that no request is left
    // without a round: one that does not wake a sleeper finds a round in flight, whose thread
    // (a sync thread, or Sync(), which asks again when it is done) looks at the count again.
    const std::uint32_t since = requests - requests_at_begin_.load(std::memory_order_relaxed);
    // Rounds ended before rounds begun, as in RequestSync, so that the difference is never
    // negative.
    const std::uint32_t ended = last_ended_.load(std::memory_order_acquire);
    const std::uint32_t in_flight = started_.load(std::memory_order_acquire) - ended;
    if ((since != 0 && (in_flight == 0 || since >= kOverlapRequestsMin)) ||
        woken_all_.load(std::memory_order_seq_cst)) {
      break;
    }
    requests_.Wait(requests);
  }
  sync_sleepers_.fetch_sub(1, std::memory_order_relaxed);
}

void GroupCommitSignals::WaitForRound(std::uint32_t round) {
  FutexWord& ended = ended_[round % kWords];
  const std::uint32_t seen = ended.value().load(std::memory_order_acquire);
  if (!Reached(seen, round)) {
    // The word of this residue changes next when `round` ends (the round kWords before it has
    // ended: a waiter asks for at most the round after the last one begun, and fewer than
    // kWords rounds are in flight), or on WakeAll.
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
  TALLY_ASSERT(in_flight() < kRoundsInFlightMax);
  requests_at_begin_.store(requests(), std::memory_order_relaxed);
  return started_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

void GroupCommitSignals::EndRound(std::uint32_t round) {
  TALLY_ASSERT(round == last_ended_.load(std::memory_order_relaxed) + 1 && in_flight() > 0);
  last_ended_.store(round, std::memory_order_release);
  FutexWord& ended = ended_[round % kWords];
  ended.value().store(round, std::memory_order_release);
  ended.WakeOne();  // the rest in a chain, see WaitForRound
}

std::uint32_t GroupCommitSignals::in_flight() const {
  return started_.load(std::memory_order_relaxed) - last_ended_.load(std::memory_order_relaxed);
}

void GroupCommitSignals::WakeAll() {
  // Moving every word on by a round of its residue releases every waiter: each waits for the
  // round after the last one that ended of its residue.
  for (FutexWord& ended : ended_) {
    ended.value().fetch_add(kWords, std::memory_order_acq_rel);
    ended.WakeAll();
  }
  // Sticky: a sync thread that begins one more round after this (it looked before the log
  // failed or began closing) must not sleep after it, although that round covers every request.
  woken_all_.store(true, std::memory_order_seq_cst);
  requests_.value().fetch_add(1, std::memory_order_seq_cst);
  requests_.WakeAll();
}

}  // namespace tally::log
