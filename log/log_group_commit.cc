// Group commit: one sync thread (or the caller of Sync/Close) makes everything up to the
// written watermark durable with one msync per touched segment and wakes every waiter it
// covered; failures become the log's sticky error.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "log/assert.h"
#include "log/log.h"
#include "log/log_impl.h"
#include "log/record_format.h"

namespace tally::log {

// Makes every LSN up to the written watermark durable with one msync per touched segment.
Status Log::Impl::SyncWritten() {
  std::lock_guard sync_lock(sync_mu);
  if (failed()) {
    return Error();
  }
  // The reservation snapshot comes first: every frame reserved before it lies below
  // current_end, so once the watermark passes one of them, its bytes are final.
  std::shared_ptr<Segment> current;
  FrameEnd reserved_end;
  Lsn reserved = 0;
  {
    std::lock_guard lock(reserve_mu);
    current = active;
    reserved_end = FrameEnd{.seq = active->seq(), .offset = write_offset};
    reserved = next_lsn - 1;
  }
  const LsnWatermark::Written written = watermark.Advance();
  // Sync up to the end of the last complete frame that was reserved before the snapshot; the
  // bytes after it may belong to copies still running, which the next sync covers.
  const Lsn target = std::min(written.lsn, reserved);
  const FrameEnd target_end = written.lsn >= reserved ? reserved_end : written.end;
  const Lsn durable = durable_lsn.load(std::memory_order_acquire);
  if (target <= durable) {
    return Status::Ok();
  }
  std::vector<std::shared_ptr<Segment>> dirty;
  for (auto& segment : segments->All()) {
    if (segment->seq() >= synced_seq && segment->seq() <= target_end.seq) {
      dirty.push_back(std::move(segment));
    }
  }
  const auto now = std::chrono::steady_clock::now();
  const bool store_hint = now - hint_stored_at >= kDurableHintInterval;
  for (const auto& segment : dirty) {
    // From where the previous sync ended (from the header, for a segment not synced before
    // or when the durable hint goes along) to the end of the complete data.
    const std::uint64_t end =
        segment->seq() == target_end.seq ? target_end.offset : segment->sealed_bytes();
    std::uint64_t start = segment->seq() == synced_seq ? synced_bytes : 0;
    if (segment == current && store_hint) {
      segment->StoreDurableHint(durable);
      start = 0;
    }
    TALLY_ASSERT(end >= kSegmentHeaderBytes && end <= segment->capacity_bytes() && start <= end);
    if (Status s = segment->Sync(start, end - start); !s.ok()) {
      const Status sticky = s.WithContext("sync segment " + segment->name());
      SetError(sticky);
      return sticky;
    }
  }
  sync_stats.Record(std::chrono::steady_clock::now() - now, target - durable);
  synced_seq = target_end.seq;
  synced_bytes = target_end.offset;
  if (store_hint) {
    hint_stored_at = now;
  }
  {
    std::lock_guard lock(durable_mu);
    TALLY_ASSERT(target > durable_lsn.load(std::memory_order_relaxed));
    durable_lsn.store(target, std::memory_order_release);
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
  while (impl.watermark.Advance().lsn < target && !impl.failed()) {
    std::this_thread::yield();
  }
  TALLY_RETURN_IF_ERROR(impl.SyncWritten());
  return impl.failed() ? impl.Error() : Status::Ok();
}

}  // namespace tally::log
