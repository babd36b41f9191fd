// Group commit: one sync thread (or the caller of Sync/Close) makes everything up to the
// written watermark durable with one msync per touched segment and wakes the waiters of that
// round (GroupCommitSignals); appenders queue behind a running msync and the next round covers
// all of them. Failures become the log's sticky error.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
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
  // Begun before the snapshot below, so that an appender that asked for a round after its
  // record was done finds it in this round's snapshot or in a later round's.
  const std::uint32_t round = signals.BeginRound();
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
    signals.EndRound(round);
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
  TALLY_ASSERT(target > durable_lsn.load(std::memory_order_relaxed));
  durable_lsn.store(target, std::memory_order_release);
  signals.EndRound(round);
  return Status::Ok();
}

void Log::Impl::RunSyncThread() {
  if (options.sync == SyncPolicy::kInterval) {
    std::unique_lock lock(interval_mu);
    while (!interval_cv.wait_for(lock, std::chrono::milliseconds(options.sync_interval_ms),
                                 [&] { return stopping(); })) {
      lock.unlock();
      const Status status = SyncWritten();
      lock.lock();
      if (!status.ok()) {
        return;  // sticky; nothing more can be synced
      }
    }
    return;
  }
  TALLY_ASSERT(options.sync == SyncPolicy::kAlways);
  RunAlwaysSyncRounds();
  callbacks.Close([this](Lsn lsn) { return DurableOutcome(lsn); });
}

void Log::Impl::RunAlwaysSyncRounds() {
  // A round runs whenever some appender asked for one since the last round began, so every
  // appender that queues while an msync runs is covered by the next one, and whenever an
  // OnDurable callback waits, since nobody may be blocked in WaitDurable to ask.
  // Not requests(): an appender may have asked before this thread got here.
  std::uint32_t seen = 0;
  for (;;) {
    // Also those made durable by a Sync() on another thread.
    callbacks.DeliverUpTo(durable_lsn.load(std::memory_order_acquire));
    if (!callbacks.pending()) {
      signals.WaitForRequest(seen);
    }
    if (stopping()) {
      return;
    }
    seen = signals.requests();
    if (!SyncWritten().ok()) {
      return;  // sticky: SetError woke every waiter, and nothing more can be synced
    }
    if (watermark.written() <= durable_lsn.load(std::memory_order_acquire)) {
      // A waiter's record is done but an earlier one is still being copied: let it finish.
      std::this_thread::yield();
    }
  }
}

void Log::Impl::StopSyncThread() {
  {
    std::lock_guard lock(interval_mu);
    stop_sync.store(true, std::memory_order_seq_cst);
  }
  interval_cv.notify_all();
  signals.WakeAll();
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
    failed_flag.store(true, std::memory_order_seq_cst);
  }
  signals.WakeAll();
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
  for (;;) {
    const std::uint32_t round = impl.signals.NextRound();
    impl.signals.RequestSync();
    if (impl.failed() || impl.stopping()) {
      break;
    }
    // Returns at the end of that round, or at once if SetError or Close woke everyone since
    // the checks above.
    impl.signals.WaitForRound(round);
    if (impl.durable_lsn.load(std::memory_order_acquire) >= lsn) {
      return Status::Ok();
    }
    if (impl.failed() || impl.stopping()) {
      break;
    }
  }
  return impl.DurableOutcome(lsn);
}

Status Log::Impl::DurableOutcome(Lsn lsn) const {
  if (failed()) {
    return Error();
  }
  // Close synced everything written before it stopped the sync thread, so this is rare.
  if (options.sync != SyncPolicy::kAlways || durable_lsn.load(std::memory_order_acquire) >= lsn) {
    return Status::Ok();
  }
  return Status::FailedPrecondition("log closed before LSN " + std::to_string(lsn) +
                                    " became durable");
}

void Log::OnDurable(Lsn lsn, DurableCallback done) {
  Impl& impl = *impl_;
  TALLY_ASSERT(done != nullptr);
  TALLY_ASSERT(lsn <= impl.last_lsn.load(std::memory_order_acquire));
  if (impl.options.sync == SyncPolicy::kAlways && !impl.failed()) {
    std::optional<DurableCallback> unqueued =
        impl.callbacks.Add(lsn, std::move(done), impl.durable_lsn);
    if (!unqueued.has_value()) {
      // After the callback is queued: the round this request starts finds it (the record was
      // done before this call, so the round's watermark includes it).
      impl.signals.RequestSync();
      return;
    }
    done = std::move(*unqueued);
  }
  done(impl.DurableOutcome(lsn));
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
