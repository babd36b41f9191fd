// LsnWatermark: tracks which reserved LSNs have finished their copy and exposes the contiguous
// "written" watermark: every LSN at or below written() is complete in memory.
//
// Appenders finish out of order (they copy outside the reservation lock), so each marks its
// LSN done in a ring of kSlots flags; whoever wins a try-flag advances the watermark over
// consecutive done flags. A loser's flag is never missed: the winner re-checks after releasing.
//
// Thread safety: MarkDone and written() from any thread. The caller that reserves LSNs must
// not reserve an LSN for which HasRoomFor is false (its slot would still be in use).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "log/log.h"

namespace tally::log {

class LsnWatermark {
 public:
  // Enough slots that the watermark never lags by this many LSNs unless an appender stalls.
  static constexpr std::size_t kSlots = std::size_t{1} << 16;

  explicit LsnWatermark(Lsn written);

  bool HasRoomFor(Lsn lsn) const { return lsn - written_.load(std::memory_order_acquire) < kSlots; }

  // Marks `lsn` complete (its frame is published) and advances the watermark if it can.
  void MarkDone(Lsn lsn);

  Lsn written() const { return written_.load(std::memory_order_acquire); }

 private:
  std::atomic<Lsn>& Slot(Lsn lsn) { return slots_[lsn & (kSlots - 1)]; }

  std::unique_ptr<std::atomic<Lsn>[]> slots_;
  std::atomic<Lsn> written_;
  std::atomic<bool> advancing_{false};
};

}  // namespace tally::log
