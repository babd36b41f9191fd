// LsnWatermark: tracks which reserved LSNs have finished their copy and exposes the contiguous
// "written" watermark: every LSN at or below written() is complete in memory.
//
// Appenders finish out of order (they copy outside the reservation lock), so each marks its
// LSN done in a ring of kSlots flags with one release store, the cheapest possible step on the
// append path. The watermark moves only when someone who needs it calls Advance (the sync
// thread before a sync, Sync(), and the reservation path when the ring is full), which scans
// the flags forward from the current watermark.
//
// Thread safety: MarkDone, Advance and written() from any thread; Advance serializes on mu_.
// The caller that reserves LSNs must not reserve an LSN for which HasRoomFor is false (its
// slot would still be in use).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>

#include "log/log.h"

namespace tally::log {

class LsnWatermark {
 public:
  // Enough slots that the ring never fills while a sync is in flight.
  static constexpr std::size_t kSlots = std::size_t{1} << 16;

  explicit LsnWatermark(Lsn written);

  bool HasRoomFor(Lsn lsn) const { return lsn - written_.load(std::memory_order_acquire) < kSlots; }

  // Marks `lsn` complete (its frame is published). O(1), no lock.
  void MarkDone(Lsn lsn) { Slot(lsn).store(lsn, std::memory_order_release); }

  // Moves the watermark over every consecutive done LSN and returns it. O(LSNs passed).
  Lsn Advance();

  // The watermark as of the last Advance.
  Lsn written() const { return written_.load(std::memory_order_acquire); }

 private:
  std::atomic<Lsn>& Slot(Lsn lsn) { return slots_[lsn & (kSlots - 1)]; }

  std::unique_ptr<std::atomic<Lsn>[]> slots_;
  std::mutex mu_;  // one Advance at a time
  std::atomic<Lsn> written_;
};

}  // namespace tally::log
