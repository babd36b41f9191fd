// SegmentList: the live segments of a log in seq order, plus the frames recovery skipped in
// salvage mode. Shared (by shared_ptr) between the Log and its LogReaders.
//
// Thread safety: all methods lock mu_, briefly; they may be called from any thread. The
// Segments handed out stay mapped for as long as the caller holds them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "log/log.h"
#include "log/segment.h"

namespace tally::log {

// Where a reader resumes after a frame that salvage recovery skipped.
struct SalvageSkip {
  std::uint64_t seq = 0;  // the bad frame's position
  std::uint64_t offset = 0;
  std::uint64_t resume_seq = 0;  // the next valid frame's position and LSN
  std::uint64_t resume_offset = 0;
  Lsn resume_lsn = 0;
};

class SegmentList {
 public:
  SegmentList(std::vector<std::shared_ptr<Segment>> segments,
              const std::vector<SalvageSkip>& skips);

  void Add(std::shared_ptr<Segment> segment);

  // The segment a read from `lsn` starts in: the last one whose first LSN is <= lsn, else the
  // first one; null when there are none.
  std::shared_ptr<Segment> ForLsn(Lsn lsn) const;
  std::shared_ptr<Segment> BySeq(std::uint64_t seq) const;
  // The segment after `seq`, or null.
  std::shared_ptr<Segment> After(std::uint64_t seq) const;
  std::vector<std::shared_ptr<Segment>> All() const;

  std::optional<SalvageSkip> SkipAt(std::uint64_t seq, std::uint64_t offset) const;

  // Removes and returns the leading segments all of whose records have LSN < lsn, never the
  // last segment.
  std::vector<std::shared_ptr<Segment>> TakeBelow(Lsn lsn);

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // guarded by mu_; ascending seq
  std::map<std::pair<std::uint64_t, std::uint64_t>, SalvageSkip> skips_;  // immutable
};

}  // namespace tally::log
