#include "log/log.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "log/assert.h"
#include "log/file_system.h"
#include "log/frame_check.h"
#include "log/log_impl.h"
#include "log/log_reader.h"
#include "log/record_format.h"
#include "log/recovery.h"
#include "log/segment.h"

namespace tally::log {

namespace {

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
  if (options.first_lsn == 0) {
    return Status::InvalidArgument("first_lsn must be at least 1");
  }
  if (options.sync == SyncPolicy::kInterval && options.sync_interval_ms == 0) {
    return Status::InvalidArgument("sync_interval_ms must be positive");
  }
  return Status::Ok();
}

}  // namespace

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
  appended_bytes.store(appended_bytes.load(std::memory_order_relaxed) + frame_bytes,
                       std::memory_order_relaxed);
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
  watermark.MarkDone(
      r.lsn, FrameEnd{.seq = r.segment->seq(), .offset = r.offset + FrameBytes(payload.size())});
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
    recovered.next_lsn = options.first_lsn;
    recovered.last_lsn = options.first_lsn - 1;
    TALLY_ASSIGN_OR_RETURN(
        auto segment,
        Segment::Create(fs, options.dir / SegmentFileName(recovered.next_seq), recovered.next_seq,
                        options.segment_bytes, SegmentMapPages(options.sync)));
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

Status Log::Roll() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.reserve_mu);
  if (impl.closed) {
    return Status::FailedPrecondition("log is closed");
  }
  if (impl.failed()) {
    return impl.Error();
  }
  if (impl.write_offset == kSegmentHeaderBytes) {
    return Status::Ok();
  }
  return impl.Rollover();
}

Lsn Log::first_lsn() const {
  const std::vector<std::shared_ptr<Segment>> all = impl_->segments->All();
  TALLY_ASSERT(!all.empty());
  return all.front()->first_lsn();
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

LogStats Log::GetStats() const {
  LogStats stats;
  stats.appends = impl_->last_lsn.load(std::memory_order_relaxed) - impl_->opened_last_lsn;
  stats.appended_bytes = impl_->appended_bytes.load(std::memory_order_relaxed);
  impl_->sync_stats.Snapshot(&stats);
  return stats;
}

Result<LogReader> Log::Read(Lsn from) const {
  return LogReader(impl_->segments, from == 0 ? 1 : from);
}

Result<std::size_t> Log::DeleteSegmentsBelow(Lsn lsn) {
  Impl& impl = *impl_;
  // Never delete a segment that an appender may still be copying into.
  const Lsn limit = std::min(lsn, impl.watermark.Advance().lsn + 1);
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
