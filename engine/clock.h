// Clock: where the engine reads "now", injectable so time windows can be tested exactly.
//
// Times throughout the engine are microseconds since the Unix epoch, UTC (TimeUs).
// SystemClock reads CLOCK_REALTIME; ManualClock is set by its owner (tests, simulations).
// Both are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace tally::engine {

using TimeUs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeUs NowUs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeUs NowUs() const override;
};

// A clock that only moves when told to. Thread safe: Set/Advance may race with NowUs.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeUs now_us) : now_us_(now_us) {}
  TimeUs NowUs() const override { return now_us_.load(std::memory_order_acquire); }
  void Set(TimeUs now_us) { now_us_.store(now_us, std::memory_order_release); }
  void Advance(TimeUs delta_us) { now_us_.fetch_add(delta_us, std::memory_order_acq_rel); }

 private:
  std::atomic<TimeUs> now_us_;
};

}  // namespace tally::engine
