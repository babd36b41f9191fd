// LogReader: iterates a log's records in LSN order from a starting LSN, handing out each one
// only after its header checksum, LSN, payload checksum, FlatBuffers verifier and record type
// all check out.
//
// A LogReader is a movable value obtained from Log::Read. It may run while appends go on: it
// returns records up to the first one not yet completely written when it reaches it, and a
// later Next() continues from there. It keeps every segment it visited mapped, so each
// RecordView's payload stays valid while the LogReader lives.
//
// Thread safety: one LogReader must not be used by two threads at once; different LogReaders
// of one log are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "log/log.h"
#include "log/result.h"

namespace tally::log {

class Segment;
class SegmentList;

class LogReader {
 public:
  LogReader(LogReader&&) noexcept = default;
  LogReader& operator=(LogReader&&) noexcept = default;
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;
  ~LogReader();

  // The next record, nullopt at the end of what is written so far, or kCorruption naming
  // segment, offset and LSN. O(payload bytes) per record.
  Result<std::optional<RecordView>> Next();

 private:
  friend class Log;
  LogReader(std::shared_ptr<const SegmentList> segments, Lsn from);

  // Moves to `segment` at `offset`, expecting `lsn` there.
  void MoveTo(std::shared_ptr<Segment> segment, std::uint64_t offset, Lsn lsn);

  std::shared_ptr<const SegmentList> segments_;
  std::vector<std::shared_ptr<Segment>> held_;  // every segment visited, the current one last
  Segment* segment_ = nullptr;
  std::uint64_t offset_ = 0;
  Lsn expected_ = 0;  // LSN of the frame at offset_
  Lsn from_ = 1;
};

}  // namespace tally::log
