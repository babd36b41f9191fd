// Log: tally's segmented, memory-mapped, append-only log, the source of truth (docs/log-format.md).
//
// Records are opaque payloads tagged with a record type; the log frames them, assigns each a
// strictly increasing, gap-free LSN (starting at 1), checksums them with XXH3-64 and copies them
// into preallocated, memory-mapped segment files under `<dir>/`. Durability follows SyncPolicy
// with group commit: one msync/fdatasync covers every record queued behind it.
//
// Thread safety: every method may be called from any number of threads at once. Appenders
// reserve their LSN and byte range under a short lock and copy their payload outside it, so
// concurrent appends do not serialize on the copy. Readers (LogReader) may run while appends
// go on; they see records up to the LSN that was complete when they reached it.
//
// Failure: a failed write, sync or preallocation puts the log in a sticky error state; every
// later Append/Sync returns that error (health() too) until the process reopens the log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "log/log_stats.h"
#include "log/result.h"
#include "log/status.h"

namespace tally::log {

using Lsn = std::uint64_t;  // 0 means "no record"; the first record has LSN 1.

class FileSystem;  // log/file_system.h: the seam through which every file operation goes.

enum class SyncPolicy {
  kAlways,    // Append returns only once its record is durable (group commit).
  kInterval,  // a background thread syncs every sync_interval_ms; Append returns after the copy.
  kNone,      // the operating system decides; Close() still syncs.
};

enum class RecoveryMode {
  kStrict,       // mid-log corruption makes Open fail, naming segment, offset and LSN.
  kSalvage,      // skip each bad frame, report it, keep every valid frame after it.
  kPointInTime,  // stop at the first bad frame; later data is set aside, not replayed.
};

struct LogOptions {
  std::filesystem::path dir;                  // created if missing
  std::uint64_t segment_bytes = 64ull << 20;  // preallocated size of each segment file
  SyncPolicy sync = SyncPolicy::kAlways;
  std::uint32_t sync_interval_ms = 1000;  // used by kInterval
  RecoveryMode recovery = RecoveryMode::kStrict;
  FileSystem* fs = nullptr;  // null: the real file system; not owned
  // LSN of the first record of a log created in an empty directory; ignored when the directory
  // holds segments. A data directory restored from a snapshot at LSN L starts its log at L + 1.
  Lsn first_lsn = 1;
};

// What Open found and did while recovering; every entry is also suitable for a log line.
struct RecoveryReport {
  struct Problem {
    std::string segment;   // file name
    std::uint64_t offset;  // byte offset of the bad frame within the segment
    Lsn lsn;               // LSN expected at that position
    std::string reason;
  };
  Lsn first_lsn = 0;  // first LSN present (0: empty log)
  Lsn last_lsn = 0;   // last valid LSN after recovery
  std::uint64_t segments = 0;
  std::uint64_t truncated_bytes = 0;  // torn or zero tail removed
  std::string truncated_segment;      // where the tail was cut (empty: nothing cut)
  std::uint64_t truncated_offset = 0;
  std::vector<Problem> skipped;     // kSalvage: frames skipped
  std::vector<Problem> stopped_at;  // kPointInTime: the frame recovery stopped at (≤1)
};

// A verified record handed out by LogReader. `payload` points into the mapped segment and stays
// valid while the LogReader that produced it lives (and the segment is not deleted).
struct RecordView {
  Lsn lsn = 0;
  std::uint16_t type = 0;  // the schemas::RecordBody tag of the payload
  std::span<const std::byte> payload;
};

class LogReader;

class Log {
 public:
  // Opens (creating if needed) the log in options.dir and recovers it per options.recovery.
  // Fails with kCorruption naming segment/offset/LSN on mid-log corruption in kStrict mode.
  static Result<std::unique_ptr<Log>> Open(const LogOptions& options);

  ~Log();  // Close()s, ignoring its error (call Close() to see it).
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends one record and returns its LSN; under kAlways returns only once that LSN is durable.
  // `payload` is copied; it must be a verified-able FlatBuffers Record whose union tag is `type`.
  // Errors: kInvalidArgument for an empty or oversized payload (> segment capacity), kNoSpace
  // when a new segment cannot be preallocated, kIoError on a failed sync; the latter two are
  // sticky.
  Result<Lsn> Append(std::uint16_t type, std::span<const std::byte> payload);

  // Like Append but returns as soon as the record is copied, without waiting for durability;
  // pair it with WaitDurable(lsn) to release locks before waiting.
  Result<Lsn> AppendNoWait(std::uint16_t type, std::span<const std::byte> payload);

  // Blocks until `lsn` is durable (under kAlways; under kInterval/kNone returns at once unless
  // the log is in its error state). Many waiters share one sync (group commit).
  Status WaitDurable(Lsn lsn);

  // Calls `done` exactly once with what WaitDurable(lsn) would return, once that is known:
  // inline (on the caller's thread) when `lsn` is durable already or the sync policy does not
  // wait; otherwise on the log's sync thread right after the sync that covers `lsn`, or with
  // the log's error (or kFailedPrecondition) when the log fails or closes first. Under kAlways
  // a registration starts a sync by itself; no thread needs to wait. Callbacks registered by
  // one thread are called in LSN order: one whose LSN is durable but behind callbacks still
  // being delivered runs after them, on the sync thread. `done` must be short (it delays the
  // next sync) and must not call into the log. `lsn` must have been returned by an append.
  using DurableCallback = std::function<void(Status)>;
  void OnDurable(Lsn lsn, DurableCallback done);

  // Makes every record appended so far durable, whatever the policy.
  Status Sync();

  // Syncs and stops background threads; further appends fail. Idempotent.
  Status Close();

  // Seals the active segment and starts a new one, so that every record appended so far lies
  // in sealed segments that DeleteSegmentsBelow may remove (erasure, docs/operations.md). Does
  // nothing when the active segment holds no record. Errors: the sticky error, kNoSpace.
  Status Roll();

  Lsn first_lsn() const;    // LSN of the oldest record kept (last_lsn() + 1 when none is)
  Lsn last_lsn() const;     // highest LSN assigned
  Lsn durable_lsn() const;  // highest LSN known durable
  Status health() const;    // ok, or the sticky error

  const RecoveryReport& recovery_report() const;

  // Counters since Open (appends, bytes, syncs, sync latency, records per sync), for /metrics.
  // Cheap (a few dozen relaxed loads); never blocks appenders.
  LogStats GetStats() const;

  // Reads records with LSN >= from, in LSN order, each checksummed and run through the
  // FlatBuffers verifier before it is handed out.
  Result<LogReader> Read(Lsn from) const;

  // Deletes every segment file whose records all have LSN < lsn (never the active segment).
  // Returns how many segments were deleted.
  Result<std::size_t> DeleteSegmentsBelow(Lsn lsn);

 private:
  struct Impl;
  explicit Log(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tally::log
