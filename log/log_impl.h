// Log::Impl: the state behind tally::log::Log, shared by log.cc (opening, appending, closing,
// reading, deleting) and log_group_commit.cc (syncing, waiting for durability, sticky errors).
//
// Thread safety: every member says which lock guards it; atomics need none. Lock order:
// sync_mu -> reserve_mu -> the SegmentPreparer's lock; interval_mu is never held while taking
// another lock; error_mu and the lock inside `callbacks` are leaves (no callback runs under
// any of the log's locks). Under kAlways, appenders and the sync thread wake each other
// through `signals` (no lock).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <utility>

#include "log/durable_callbacks.h"
#include "log/file_system.h"
#include "log/group_commit_signals.h"
#include "log/log.h"
#include "log/log_stats.h"
#include "log/lsn_watermark.h"
#include "log/recovery.h"
#include "log/segment.h"
#include "log/segment_list.h"
#include "log/segment_preparer.h"

namespace tally::log {

// Where one append's frame goes; produced under the reservation lock, filled outside it.
struct Reservation {
  Segment* segment = nullptr;  // kept mapped by the SegmentList (DeleteSegmentsBelow never
                               // removes a segment with frames still being copied)
  std::uint64_t offset = 0;
  Lsn lsn = 0;
};

struct Log::Impl {
  // How often a sync also rewrites the durable hint in the active segment's header. Writing it
  // costs a second page per sync; a hint that lags by this much only widens the window in
  // which recovery reads damage to the newest records as a torn tail (docs/log-format.md).
  static constexpr std::chrono::milliseconds kDurableHintInterval{50};

  Impl(const LogOptions& opts, FileSystem* file_system, RecoveredLog recovered)
      : options(opts),
        fs(file_system),
        report(std::move(recovered.report)),
        segments(std::make_shared<SegmentList>(recovered.segments, recovered.skips)),
        watermark(recovered.last_lsn, FrameEnd{.seq = recovered.segments.back()->seq(),
                                               .offset = recovered.write_offset}),
        active(recovered.segments.back()),
        write_offset(recovered.write_offset),
        next_lsn(recovered.next_lsn),
        next_seq(recovered.next_seq),
        last_lsn(recovered.last_lsn),
        opened_last_lsn(recovered.last_lsn),
        synced_seq(active->seq()),
        durable_lsn(recovered.last_lsn),
        preparer(fs, options.dir, options.segment_bytes, SegmentMapPages(options.sync),
                 AheadPagesFor(options.sync), next_seq) {
    preparer.Prefault(active, write_offset + SegmentPreparer::kPrefaultWindowBytes);
    prefault_requested = write_offset + SegmentPreparer::kPrefaultWindowBytes;
    if (options.sync != SyncPolicy::kNone) {
      sync_thread = std::thread([this] { RunSyncThread(); });
    }
  }

  Result<Reservation> Reserve(std::uint64_t frame_bytes);
  Status Rollover();  // requires reserve_mu
  void Fill(const Reservation& r, std::uint16_t type, std::span<const std::byte> payload);
  Status SyncWritten();
  void RunSyncThread();
  void StopSyncThread();
  bool stopping() const { return stop_sync.load(std::memory_order_seq_cst); }
  // Runs sync rounds under kAlways until the log stops or fails, then closes `callbacks`.
  void RunAlwaysSyncRounds();
  // What WaitDurable(lsn) returns once it no longer waits: the sticky error, else ok when
  // `lsn` is durable or the policy does not wait, else kFailedPrecondition (closed first).
  Status DurableOutcome(Lsn lsn) const;
  void SetError(const Status& status);
  Status Error() const;
  bool failed() const { return failed_flag.load(std::memory_order_acquire); }

  const LogOptions options;
  FileSystem* const fs;
  const RecoveryReport report;
  const std::shared_ptr<SegmentList> segments;
  LsnWatermark watermark;

  std::mutex reserve_mu;
  std::shared_ptr<Segment> active;       // guarded by reserve_mu
  std::uint64_t write_offset;            // guarded by reserve_mu
  Lsn next_lsn;                          // guarded by reserve_mu
  std::uint64_t next_seq;                // guarded by reserve_mu
  std::uint64_t prefault_requested = 0;  // guarded by reserve_mu
  bool closed = false;                   // guarded by reserve_mu
  std::atomic<Lsn> last_lsn;
  const Lsn opened_last_lsn;  // last_lsn at Open: appends since then are last_lsn - this
  // Frame bytes reserved since Open; written only under reserve_mu (a plain store on a cache
  // line the lock holder already owns), read by GetStats.
  std::atomic<std::uint64_t> appended_bytes{0};

  std::atomic<bool> failed_flag{false};
  mutable std::mutex error_mu;
  Status error;  // guarded by error_mu; the first failure, sticky

  std::mutex sync_mu;              // one sync at a time
  std::uint64_t synced_seq;        // guarded by sync_mu: segments below it are fully synced
  std::uint64_t synced_bytes = 0;  // guarded by sync_mu: prefix of segment synced_seq synced
  std::chrono::steady_clock::time_point hint_stored_at;  // guarded by sync_mu
  std::atomic<Lsn> durable_lsn;                          // written under sync_mu
  GroupCommitSignals signals;                            // kAlways: rounds and requests
  DurableCallbacks callbacks;  // kAlways: OnDurable callbacks waiting for a sync
  std::mutex interval_mu;
  std::condition_variable interval_cv;  // kInterval: stop_sync was set (taken with interval_mu)
  std::atomic<bool> stop_sync{false};
  std::thread sync_thread;
  SyncStatsRecorder sync_stats;  // recorded under sync_mu

  SegmentPreparer preparer;
};

}  // namespace tally::log
