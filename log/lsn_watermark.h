// LsnWatermark: tracks which reserved LSNs have finished their copy and exposes the contiguous
// "written" watermark: every LSN at or below it is complete in memory, together with where the
// frame of that LSN ends (segment seq and byte offset), so a sync knows which bytes are final.
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
#include <cstdint>
#include <memory>
#include <mutex>

#include "log/log.h"

namespace tally::log {

// Where a frame ends: the segment it is in and the offset just past it (padding included).
struct FrameEnd {
  std::uint64_t seq = 0;
  std::uint64_t offset = 0;
};

class LsnWatermark {
 public:
  // Enough slots that the ring never fills while a sync is in flight.
  static constexpr std::size_t kSlots = std::size_t{1} << 16;

  // `written`: the last complete LSN; `end`: where its frame (or the segment header) ends.
  LsnWatermark(Lsn written, FrameEnd end);

  bool HasRoomFor(Lsn lsn) const { return lsn - written_.load(std::memory_order_acquire) < kSlots; }

  // Marks `lsn`, whose frame ends at `end`, complete (its frame is published). O(1), no lock.
  void MarkDone(Lsn lsn, FrameEnd end) {
    const std::size_t slot = lsn & (kSlots - 1);
    ends_[slot] = end;
    slots_[slot].store(lsn, std::memory_order_release);
  }

  struct Written {
    Lsn lsn = 0;
    FrameEnd end;  // where the frame of `lsn` ends
  };
  // Moves the watermark over every consecutive done LSN and returns it. O(LSNs passed).
  Written Advance();

  // The watermark as of the last Advance.
  Lsn written() const { return written_.load(std::memory_order_acquire); }

 private:
  std::unique_ptr<std::atomic<Lsn>[]> slots_;
  // ends_[i] belongs to the LSN in slots_[i]; written before that LSN's release store. A slot
  // is reused only after the watermark passed it, and the watermark moves only inside Advance
  // (under mu_), so Advance reads ends_ of an LSN it is passing while nobody can rewrite it.
  std::unique_ptr<FrameEnd[]> ends_;
  std::mutex mu_;      // one Advance at a time
  FrameEnd last_end_;  // guarded by mu_: where the frame of written_ ends
  std::atomic<Lsn> written_;
};

}  // namespace tally::log
