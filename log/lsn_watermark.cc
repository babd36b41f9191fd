#include "log/lsn_watermark.h"

#include "log/assert.h"

namespace tally::log {

LsnWatermark::LsnWatermark(Lsn written)
    : slots_(std::make_unique<std::atomic<Lsn>[]>(kSlots)), written_(written) {}

void LsnWatermark::MarkDone(Lsn lsn) {
  TALLY_ASSERT(lsn > written_.load(std::memory_order_relaxed));
  // Sequentially consistent on purpose: the mark, the advancing_ exchange and the re-check
  // below must be totally ordered so that a mark made while another thread advances is seen
  // by that thread's re-check after it releases advancing_.
  Slot(lsn).store(lsn);
  for (;;) {
    if (advancing_.exchange(true)) {
      return;
    }
    Lsn written = written_.load(std::memory_order_relaxed);
    while (Slot(written + 1).load() == written + 1) {
      ++written;
    }
    written_.store(written, std::memory_order_release);
    advancing_.store(false);
    if (Slot(written + 1).load() != written + 1) {
      return;
    }
  }
}

}  // namespace tally::log
