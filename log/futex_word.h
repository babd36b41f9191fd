// FutexWord: a 32-bit atomic that threads can sleep on until its value changes (Linux futex).
//
// std::atomic<T>::wait does the same, but libstdc++ 12 spins first, calling sched_yield up to
// 16 times per wait: with 64 appenders waiting for a sync on 2 cores, those yields were a fifth
// of all CPU time (perf). FutexWord sleeps at once.
//
// Thread safety: every method may be called from any thread at any time. Wake* wake only
// threads that are sleeping in Wait at that moment, so a waker must change the value first;
// Wait returns when the value differs from `seen` or on a wake-up (spuriously too), so callers
// recheck their condition in a loop.
#pragma once

#include <atomic>
#include <cstdint>

namespace tally::log {

class FutexWord {
 public:
  explicit FutexWord(std::uint32_t value = 0) : value_(value) {}

  std::atomic<std::uint32_t>& value() { return value_; }
  const std::atomic<std::uint32_t>& value() const { return value_; }

  // Sleeps unless the value differs from `seen` (checked atomically with going to sleep).
  void Wait(std::uint32_t seen) const;
  void WakeOne();
  void WakeAll();

 private:
  std::atomic<std::uint32_t> value_;
};

}  // namespace tally::log
