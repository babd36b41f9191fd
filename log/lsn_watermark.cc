#include "log/lsn_watermark.h"

#include "log/assert.h"

namespace tally::log {

LsnWatermark::LsnWatermark(Lsn written)
    : slots_(std::make_unique<std::atomic<Lsn>[]>(kSlots)), written_(written) {}

Lsn LsnWatermark::Advance() {
  std::lock_guard lock(mu_);
  const Lsn start = written_.load(std::memory_order_relaxed);
  Lsn written = start;
  // A slot holds the last LSN marked in it; only LSN written + 1 itself means "done", an older
  // LSN from the previous lap of the ring does not.
  while (Slot(written + 1).load(std::memory_order_acquire) == written + 1) {
    ++written;
  }
  TALLY_ASSERT(written - start <= kSlots);
  written_.store(written, std::memory_order_release);
  return written;
}

}  // namespace tally::log
