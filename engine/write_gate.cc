#include "engine/write_gate.h"

#include "log/assert.h"

namespace tally::engine {

void WriteGate::Enter() {
  for (;;) {
    inside_.fetch_add(1);
    if (!closed_.load()) return;
    // Closed: step back out (waking the closer if this was the last one inside) and wait.
    Leave();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !closed_.load(); });
  }
}

void WriteGate::Leave() {
  const std::uint64_t before = inside_.fetch_sub(1);
  TALLY_ASSERT(before > 0);
  if (before == 1 && closed_.load()) {
    // Taking the mutex orders this wake-up after the closer's check of `inside_`, so the
    // closer cannot miss it between checking and waiting.
    { std::lock_guard lock(mu_); }
    cv_.notify_all();
  }
}

void WriteGate::Close() {
  std::unique_lock lock(mu_);
  TALLY_ASSERT(!closed_.load());
  closed_.store(true);
  cv_.wait(lock, [this] { return inside_.load() == 0; });
}

void WriteGate::Open() {
  {
    std::lock_guard lock(mu_);
    TALLY_ASSERT(closed_.load());
    closed_.store(false);
  }
  cv_.notify_all();
}

}  // namespace tally::engine
