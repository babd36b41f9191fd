#include "log/log.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "log/assert.h"
#include "log/file_system.h"
#include "log/frame_check.h"
#include "log/log_reader.h"
#include "log/lsn_watermark.h"
#include "log/record_format.h"
#include "log/recovery.h"
#include "log/segment.h"
#include "log/segment_list.h"
#include "log/segment_preparer.h"

namespace tally::log {

namespace {

// Where one append's frame goes; produced under the reservation lock, filled outside it.
struct Reservation {
  Segment* segment = nullptr;  // kept mapped by the SegmentList (DeleteSegmentsBelow never
                               // removes a segment with frames still being copied)
  std::uint64_t offset = 0;
  Lsn lsn = 0;
};

Status ValidateOptions(const LogOptions& options) {
  if (options.dir.empty()) {
    return Status::InvalidArgument("log directory is empty");
  }
  if (options.segment_bytes % kPageBytes != 0 || options.segment_bytes < kSegmentBytesMin ||
      options.segment_bytes > kSegmentBytesMax) {
    return Status::InvalidArgument("segment_bytes " + std::to_string(options.segment_bytes) +
                                   " must be a multiple of 4096 between " +
                                   std::to_string(kSegmentBytesMin) + " and " +
                                   std::to_string(kSegmentBytesMax));
  }
  if (options.sync == SyncPolicy::kInterval && options.sync_interval_ms == 0) {
    return Status::InvalidArgument("sync_interval_ms must be positive");
  }
  return Status::Ok();
}

}  // namespace

// Lock order: reserve_mu_ -> SegmentPreparer's lock; sync_mu_ -> reserve_mu_; durable_mu_ is
// never held while taking another lock. error_mu_ is a leaf.
struct Log::Impl {
  Impl(const LogOptions& opts, FileSystem* file_system, RecoveredLog recovered)
      : options(opts),
        fs(file_system),
        report(std::move(recovered.report)),
        segments(std::make_shared<SegmentList>(recovered.segments, recovered.skips)),
        watermark(recovered.last_lsn),
        active(recovered.segments.back()),
        write_offset(recovered.write_offset),
        next_lsn(recovered.next_lsn),
        next_seq(recovered.next_seq),
        last_lsn(recovered.last_lsn),
        synced_seq(active->seq()),
        durable_lsn(recovered.last_lsn),
        preparer(fs, options.dir, options.segment_bytes, next_seq) {
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

  std::atomic<bool> failed_flag{false};
  mutable std::mutex error_mu;
  Status error;  // guarded by error_mu; the first failure, sticky

  std::mutex sync_mu;            // one sync at a time
  std::uint64_t synced_seq;      // guarded by sync_mu: segments below it are fully synced
  std::atomic<Lsn> durable_lsn;  // written under durable_mu
  std::mutex durable_mu;
  std::condition_variable durable_cv;  // durable_lsn advanced, or failure/stop
  std::condition_variable sync_cv;     // work for the sync thread
  Lsn requested_lsn = 0;               // guarded by durable_mu
  bool stop_sync = false;              // guarded by durable_mu
  std::thread sync_thread;

  SegmentPreparer preparer;
};

Result<Reservation> Log::Impl::Reserve(std::uint64_t frame_bytes) {
  std::unique_lock lock(reserve_mu);
  // The done-flag ring has a slot per LSN not yet passed by the watermark. When it is full,
  // move the watermark over finished copies; wait only if the oldest copy is still running.
  while (!watermark.HasRoomFor(next_lsn)) {
    watermark.Advance();
    if (watermark.HasRoomFor(next_lsn)) {
      break;
    }
    lock.unlock();
    std::this_thread::yield();
    lock.lock();
  }
  if (closed) {
    return Status::FailedPrecondition("log is closed");
  }
  if (failed()) {
    return Error();
  }
  if (write_offset + frame_bytes > active->capacity_bytes()) {
    TALLY_RETURN_IF_ERROR(Rollover());
    TALLY_ASSERT(write_offset + frame_bytes <= active->capacity_bytes());
  }
  const Reservation reservation{.segment = active.get(), .offset = write_offset, .lsn = next_lsn};
  write_offset += frame_bytes;
  ++next_lsn;
  last_lsn.store(reservation.lsn, std::memory_order_release);
  if (write_offset + SegmentPreparer::kPrefaultWindowBytes - SegmentPreparer::kPrefaultStepBytes >
      prefault_requested) {
    prefault_requested = write_offset + SegmentPreparer::kPrefaultWindowBytes;
    preparer.Prefault(active, prefault_requested);
  }
  return reservation;
}

Status Log::Impl::Rollover() {
  Result<std::shared_ptr<Segment>> next = preparer.Take(next_seq);
  if (!next.ok()) {
    SetError(next.status());
    return next.status();
  }
  std::shared_ptr<Segment> segment = std::move(next).value();
  segment->WriteHeader(next_lsn);
  segment->StoreDurableHint(durable_lsn.load(std::memory_order_acquire));
  active->Seal(write_offset);
  segments->Add(segment);
  active = std::move(segment);
  write_offset = kSegmentHeaderBytes;
  ++next_seq;
  prefault_requested = SegmentPreparer::kPrefaultWindowBytes;
  preparer.Prefault(active, prefault_requested);
  return Status::Ok();
}

void Log::Impl::Fill(const Reservation& r, std::uint16_t type, std::span<const std::byte> payload) {
  std::byte* at = r.segment->data() + r.offset;
  const FrameHeader header{.payload_bytes = static_cast<std::uint32_t>(payload.size()),
                           .lsn = r.lsn,
                           .record_type = type,
                           .format_version = kFrameFormatVersion,
                           .payload_checksum = PayloadChecksum(payload)};
  const std::uint64_t published =
      EncodeFrameHeaderTail(header, std::span<std::byte, kFrameHeaderBytes>(at, kFrameHeaderBytes));
  // The padding after the payload is already zero: nothing was ever written past write_offset.
  std::memcpy(at + kFrameHeaderBytes, payload.data(), payload.size());
  std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(at))
      .store(published, std::memory_order_release);
  watermark.MarkDone(r.lsn);
}

// Makes every LSN up to the written watermark durable with one msync per touched segment.
Status Log::Impl::SyncWritten() {
  std::lock_guard sync_lock(sync_mu);
  if (failed()) {
    return Error();
  }
  const Lsn written = watermark.Advance();
  const Lsn durable = durable_lsn.load(std::memory_order_acquire);
  if (written <= durable) {
    return Status::Ok();
  }
  std::vector<std::shared_ptr<Segment>> dirty;
  std::shared_ptr<Segment> current;
  std::uint64_t current_end = 0;
  {
    std::lock_guard lock(reserve_mu);
    current = active;
    current_end = write_offset;
  }
  for (auto& segment : segments->All()) {
    // A segment newer than `current` was added by a rollover after the snapshot above; the
    // watermark read before it cannot include any of its frames.
    if (segment->seq() >= synced_seq && segment->seq() <= current->seq()) {
      dirty.push_back(std::move(segment));
    }
  }
  for (const auto& segment : dirty) {
    // The range reaches from the header (so the durable hint goes with it) to the reservation
    // end: pages synced before are clean and cost nothing; bytes of copies still in flight may
    // reach the disk early, which recovery treats as a torn tail above the durable hint.
    std::uint64_t end = segment == current ? current_end : segment->sealed_bytes();
    if (segment == current) {
      segment->StoreDurableHint(durable);
    }
    TALLY_ASSERT(end >= kSegmentHeaderBytes && end <= segment->capacity_bytes());
    if (Status s = segment->Sync(0, end); !s.ok()) {
      const Status sticky = s.WithContext("sync segment " + segment->name());
      SetError(sticky);
      return sticky;
    }
  }
  synced_seq = current->seq();
  {
    std::lock_guard lock(durable_mu);
    TALLY_ASSERT(written > durable_lsn.load(std::memory_order_relaxed));
    durable_lsn.store(written, std::memory_order_release);
  }
  durable_cv.notify_all();
  return Status::Ok();
}

void Log::Impl::RunSyncThread() {
  std::unique_lock lock(durable_mu);
  while (!stop_sync) {
    if (options.sync == SyncPolicy::kAlways) {
      sync_cv.wait(lock, [&] {
        return stop_sync || requested_lsn > durable_lsn.load(std::memory_order_relaxed);
      });
    } else {
      sync_cv.wait_for(lock, std::chrono::milliseconds(options.sync_interval_ms),
                       [&] { return stop_sync; });
    }
    if (stop_sync) {
      break;
    }
    lock.unlock();
    const Status status = SyncWritten();
    if (status.ok() && watermark.written() <= durable_lsn.load(std::memory_order_acquire)) {
      // A waiter's LSN is done but an earlier one is still being copied: let it finish.
      std::this_thread::yield();
    }
    lock.lock();
    if (!status.ok()) {
      // The error is sticky; waiters were woken by SetError and nothing more can be synced.
      sync_cv.wait(lock, [&] { return stop_sync; });
    }
  }
}

void Log::Impl::StopSyncThread() {
  {
    std::lock_guard lock(durable_mu);
    stop_sync = true;
  }
  sync_cv.notify_all();
  durable_cv.notify_all();
  if (sync_thread.joinable()) {
    sync_thread.join();
  }
}

void Log::Impl::SetError(const Status& status) {
  TALLY_ASSERT(!status.ok());
  {
    std::lock_guard lock(error_mu);
    if (error.ok()) {
      error = status;
    }
    failed_flag.store(true, std::memory_order_release);
  }
  {
    // Taking durable_mu orders the flag before any waiter's predicate check.
    std::lock_guard lock(durable_mu);
  }
  durable_cv.notify_all();
}

Status Log::Impl::Error() const {
  std::lock_guard lock(error_mu);
  return error;
}

Log::Log(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Log::~Log() {
  (void)Close();
}

Result<std::unique_ptr<Log>> Log::Open(const LogOptions& options) {
  TALLY_RETURN_IF_ERROR(ValidateOptions(options));
  FileSystem* fs = options.fs != nullptr ? options.fs : DefaultFileSystem();
  TALLY_ASSIGN_OR_RETURN(RecoveredLog recovered, Recover(fs, options));
  if (recovered.segments.empty()) {
    TALLY_ASSIGN_OR_RETURN(auto segment,
                           Segment::Create(fs, options.dir / SegmentFileName(recovered.next_seq),
                                           recovered.next_seq, options.segment_bytes));
    segment->WriteHeader(recovered.next_lsn);
    TALLY_RETURN_IF_ERROR(segment->Sync(0, kSegmentHeaderBytes));
    recovered.segments.push_back(std::move(segment));
    recovered.write_offset = kSegmentHeaderBytes;
    ++recovered.next_seq;
    recovered.report.segments = 1;
  }
  return std::unique_ptr<Log>(new Log(std::make_unique<Impl>(options, fs, std::move(recovered))));
}

Result<Lsn> Log::Append(std::uint16_t type, std::span<const std::byte> payload) {
  TALLY_ASSIGN_OR_RETURN(const Lsn lsn, AppendNoWait(type, payload));
  if (impl_->options.sync == SyncPolicy::kAlways) {
    TALLY_RETURN_IF_ERROR(WaitDurable(lsn));
  }
  return lsn;
}

Result<Lsn> Log::AppendNoWait(std::uint16_t type, std::span<const std::byte> payload) {
  if (impl_->failed()) {
    return impl_->Error();
  }
  const std::uint64_t payload_bytes_max = PayloadBytesMax(impl_->options.segment_bytes);
  if (payload.empty() || payload.size() > payload_bytes_max) {
    return Status::InvalidArgument("payload of " + std::to_string(payload.size()) +
                                   " bytes; must be 1.." + std::to_string(payload_bytes_max));
  }
  // A payload that fails verification would make the log unreadable from that record on.
  if (Status s = VerifyRecordPayload(type, payload); !s.ok()) {
    return Status::InvalidArgument(s.message());
  }
  TALLY_ASSIGN_OR_RETURN(const Reservation reservation, impl_->Reserve(FrameBytes(payload.size())));
  impl_->Fill(reservation, type, payload);
  return reservation.lsn;
}

Status Log::WaitDurable(Lsn lsn) {
  Impl& impl = *impl_;
  if (impl.failed()) {
    return impl.Error();
  }
  if (impl.options.sync != SyncPolicy::kAlways ||
      impl.durable_lsn.load(std::memory_order_acquire) >= lsn) {
    return Status::Ok();
  }
  TALLY_ASSERT(lsn <= impl.last_lsn.load(std::memory_order_acquire));
  std::unique_lock lock(impl.durable_mu);
  if (impl.requested_lsn < lsn) {
    impl.requested_lsn = lsn;
    impl.sync_cv.notify_one();
  }
  impl.durable_cv.wait(lock, [&] {
    return impl.durable_lsn.load(std::memory_order_relaxed) >= lsn || impl.failed() ||
           impl.stop_sync;
  });
  if (impl.durable_lsn.load(std::memory_order_relaxed) >= lsn) {
    return Status::Ok();
  }
  lock.unlock();
  if (impl.failed()) {
    return impl.Error();
  }
  // Close stopped the sync thread; it synced everything written, so this is rare.
  return impl.durable_lsn.load(std::memory_order_acquire) >= lsn
             ? Status::Ok()
             : Status::FailedPrecondition("log closed before LSN " + std::to_string(lsn) +
                                          " became durable");
}

Status Log::Sync() {
  Impl& impl = *impl_;
  const Lsn target = impl.last_lsn.load(std::memory_order_acquire);
  // Appends reserved before this call finish their copies within moments.
  while (impl.watermark.Advance() < target && !impl.failed()) {
    std::this_thread::yield();
  }
  TALLY_RETURN_IF_ERROR(impl.SyncWritten());
  return impl.failed() ? impl.Error() : Status::Ok();
}

Status Log::Close() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.reserve_mu);
    if (impl.closed) {
      return impl.failed() ? impl.Error() : Status::Ok();
    }
    impl.closed = true;
  }
  Status status = Sync();
  impl.StopSyncThread();
  if (status.ok()) {
    // Record that everything is durable, so that recovery treats any later damage to these
    // records as corruption rather than as a torn tail.
    std::lock_guard sync_lock(impl.sync_mu);
    std::lock_guard lock(impl.reserve_mu);
    impl.active->StoreDurableHint(impl.durable_lsn.load(std::memory_order_acquire));
    status = impl.active->Sync(0, kSegmentHeaderBytes);
  }
  const Status stopped = impl.preparer.Stop();
  if (status.ok()) {
    status = stopped;
  }
  if (!status.ok() && !impl.failed()) {
    impl.SetError(status);
  }
  return status;
}

Lsn Log::last_lsn() const {
  return impl_->last_lsn.load(std::memory_order_acquire);
}

Lsn Log::durable_lsn() const {
  return impl_->durable_lsn.load(std::memory_order_acquire);
}

Status Log::health() const {
  return impl_->failed() ? impl_->Error() : Status::Ok();
}

const RecoveryReport& Log::recovery_report() const {
  return impl_->report;
}

Result<LogReader> Log::Read(Lsn from) const {
  return LogReader(impl_->segments, from == 0 ? 1 : from);
}

Result<std::size_t> Log::DeleteSegmentsBelow(Lsn lsn) {
  Impl& impl = *impl_;
  // Never delete a segment that an appender may still be copying into.
  const Lsn limit = std::min(lsn, impl.watermark.Advance() + 1);
  const std::vector<std::shared_ptr<Segment>> taken = impl.segments->TakeBelow(limit);
  for (const auto& segment : taken) {
    TALLY_RETURN_IF_ERROR(impl.fs->Remove(segment->path()));
  }
  if (!taken.empty()) {
    TALLY_RETURN_IF_ERROR(impl.fs->SyncDir(impl.options.dir));
  }
  return taken.size();
}

}  // namespace tally::log
