#include "log/lsn_watermark.h"

#include "log/assert.h"

namespace tally::log {

LsnWatermark::LsnWatermark(Lsn written, FrameEnd end)
    : slots_(std::make_unique<std::atomic<Lsn>[]>(kSlots)),
      ends_(std::make_unique<FrameEnd[]>(kSlots)),
      last_end_(end),
      written_(written) {}

LsnWatermark::Written LsnWatermark::Advance() {
  std::lock_guard lock(mu_);
  const Lsn start = written_.load(std::memory_order_relaxed);
  Lsn written = start;
  // A slot holds the last LSN marked in it; only LSN written + 1 itself means "done", an older
  // LSN from the previous lap of the ring does not.
  while (slots_[(written + 1) & (kSlots - 1)].load(std::memory_order_acquire) == written + 1) {
    ++written;
  }
  TALLY_ASSERT(written - start <= kSlots);
  if (written != start) {
    last_end_ = ends_[written & (kSlots - 1)];
    written_.store(written, std::memory_order_release);
  }
  return Written{.lsn = written, .end = last_end_};
}

}  // namespace tally::log
