// SegmentPreparer: a background thread that keeps page faults, preallocation and (for logs that
// sync every group of appends) extent conversions off the append and sync paths. It creates the
// next segment file (posix_fallocate, fsync, map) before the writer needs it, and keeps the
// pages just ahead of the writer in the active segment faulted in with MADV_POPULATE_WRITE,
// which changes no data; with AheadPages::kFaultAndWriteBack it also writes those pages (zeros)
// back once, see AheadPages.
//
// Thread safety: Take, Prefault and Stop may be called from any thread. The Log calls Take and
// Prefault while holding its reservation lock; the preparer never takes that lock, so the lock
// order is Log reservation lock -> mu_.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "log/file_system.h"
#include "log/result.h"
#include "log/segment.h"
#include "log/status.h"

namespace tally::log {

// What the preparer does with the pages it faults in ahead of the writer. kFault: only that.
// kFaultAndWriteBack: it also writes them back once (FileSystem::WriteBack: the page cache holds
// zeros there), then faults them in again (write-back leaves them write-protected). A fallocated
// block is an "unwritten" extent until data written into it reaches the disk; converting it is
// a metadata change that a sync whose data converts extents must also make durable (on the
// journal-less ext4 tally was measured on, one more synchronous write of the inode per sync; with
// a journal, a journal commit). Written back ahead, the extents are converted off the sync
// path, once per step, and a sync writes data only. It costs one more write of every page of a
// segment, worth it only when syncs are frequent (SyncPolicy::kAlways).
enum class AheadPages { kFault, kFaultAndWriteBack };
AheadPages AheadPagesFor(SyncPolicy sync);

class SegmentPreparer {
 public:
  // How far ahead of the writer pages are faulted in, and how often the writer asks.
  static constexpr std::uint64_t kPrefaultWindowBytes = std::uint64_t{8} << 20;
  static constexpr std::uint64_t kPrefaultStepBytes = std::uint64_t{1} << 20;

  // Starts the thread, which begins preparing segment `next_seq`.
  SegmentPreparer(FileSystem* fs, std::filesystem::path dir, std::uint64_t capacity_bytes,
                  MapPages pages, AheadPages ahead, std::uint64_t next_seq);
  ~SegmentPreparer();  // Stop()
  SegmentPreparer(const SegmentPreparer&) = delete;
  SegmentPreparer& operator=(const SegmentPreparer&) = delete;

  // Returns segment `seq`, prepared in the background when it could be (waiting for a
  // preparation in progress), else created on the calling thread; then starts preparing
  // seq + 1. Errors from Segment::Create (kNoSpace when the disk is full).
  Result<std::shared_ptr<Segment>> Take(std::uint64_t seq);

  // Asks for `segment`'s pages up to byte `until` to be faulted in. Cheap; does not wait.
  void Prefault(std::shared_ptr<Segment> segment, std::uint64_t until);

  // Stops the thread and removes a prepared segment that was never taken. Idempotent.
  Status Stop();

 private:
  void Run();
  // Prepares [offset, offset + bytes) of `segment` for the writer as `ahead_` says. Failures
  // only cost the writer page faults, or a sync extent conversions, so they are not errors.
  void PrepareAhead(const Segment& segment, std::uint64_t offset, std::uint64_t bytes) const;

  FileSystem* const fs_;
  const std::filesystem::path dir_;
  const std::uint64_t capacity_bytes_;
  const MapPages pages_;
  const AheadPages ahead_;

  std::mutex mu_;
  std::condition_variable work_cv_;            // wakes Run
  std::condition_variable ready_cv_;           // wakes Take when a preparation finishes
  std::uint64_t want_seq_ = 0;                 // guarded by mu_; 0: nothing to prepare
  bool preparing_ = false;                     // guarded by mu_
  std::shared_ptr<Segment> prepared_;          // guarded by mu_
  std::shared_ptr<Segment> prefault_segment_;  // guarded by mu_
  std::uint64_t prefault_until_ = 0;           // guarded by mu_
  std::uint64_t prefaulted_until_ = 0;         // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  std::thread thread_;
};

}  // namespace tally::log
