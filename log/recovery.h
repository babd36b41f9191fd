// Recovery: turns the segment files found in a log directory into a consistent, writable log,
// following the rules of docs/log-format.md ("Recovery") and the caller's RecoveryMode.
//
// Recover runs once, single-threaded, before the Log starts; it modifies files (zeroes torn
// tails, extends truncated segments, removes unused or empty trailing segments, renames
// discarded data aside) and syncs what it changed.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "log/file_system.h"
#include "log/log.h"
#include "log/result.h"
#include "log/segment.h"
#include "log/segment_list.h"

namespace tally::log {

struct RecoveredLog {
  std::vector<std::shared_ptr<Segment>> segments;  // ascending seq; empty for a new log
  std::vector<SalvageSkip> skips;                  // kSalvage only
  Lsn last_lsn = 0;                                // last valid LSN (0: none)
  Lsn next_lsn = 1;                                // LSN the next append receives
  std::uint64_t write_offset = 0;                  // end of valid frames in segments.back()
  std::uint64_t next_seq = 1;                      // seq for the next segment file
  RecoveryReport report;
};

// Errors: kCorruption (kStrict, mid-log corruption, naming segment, offset and LSN; or a bad
// segment header), kNoSpace/kIoError from the file system.
Result<RecoveredLog> Recover(FileSystem* fs, const LogOptions& options);

}  // namespace tally::log
