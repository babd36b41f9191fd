// ScanLog: reads a log directory without changing it (`tally log verify|dump`), checking every
// record as recovery and LogReader do — segment header, frame framing, header and payload
// checksums, LSN sequence and the FlatBuffers verifier — and reporting each problem with its
// segment, offset and LSN instead of stopping at the first.
//
// Unlike Log::Open it never truncates, zeroes or sets anything aside, so it may run against a
// copy, a backup, or the directory of a running server (whose active segment it reads as far as
// appends have published it). A bad frame with no valid frame after it in the last segment is
// reported as a torn tail, which recovery would cut, unless its LSN is at or below the durable
// hint of a segment header (acknowledged data): then it is a problem.
//
// Pure function over the files; thread safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "log/log.h"
#include "log/result.h"

namespace tally::net {

struct LogScanProblem {
  std::string segment;  // file name
  std::uint64_t offset = 0;
  log::Lsn lsn = 0;  // the LSN expected there
  std::string reason;
};

struct LogScanSummary {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;  // valid records seen
  log::Lsn first_lsn = 0;     // of the first valid record (0: none)
  log::Lsn last_lsn = 0;      // of the last valid record
  std::vector<LogScanProblem> problems;
  std::optional<LogScanProblem> torn_tail;  // what recovery would cut; not a problem
};

struct LogScanOptions {
  log::Lsn from = 0;  // records below it are checked but not handed to on_record
  // Called for every valid record at or above `from`, in LSN order; return false to stop.
  std::function<bool(const log::RecordView&)> on_record;
  // Segments done of all segments, after each one.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

// Scans the segment files of `log_dir`. Errors: kNotFound when the directory does not exist,
// kIoError when a file cannot be read. Problems in the data are in the summary, not errors.
Result<LogScanSummary> ScanLog(const std::filesystem::path& log_dir, const LogScanOptions& options);

}  // namespace tally::net
