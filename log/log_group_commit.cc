// Group commit: sync threads (or the caller of Sync/Close) make everything up to the written
// watermark durable with one msync per touched segment per round, up to kRoundsInFlightMax
// rounds overlapping, publish the rounds in order and wake the waiters of each
// (GroupCommitSignals); appenders queue behind running msyncs and the next round covers all of
// them. Failures become the log's sticky error.
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

Result<Lsn> Log::Impl::SyncRound() {
  std::unique_lock lock(sync_mu);
  // Bounded so that an appender's round never shares its futex word with a round in flight.
  sync_cv.wait(lock, [&] {
    return failed() || signals.in_flight() < GroupCommitSignals::kRoundsInFlightMax;
  });
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
    std::lock_guard reserve_lock(reserve_mu);
    current = active;
    reserved_end = FrameEnd{.seq = active->seq(), .offset = write_offset};
    reserved = next_lsn - 1;
  }
  const LsnWatermark::Written written = watermark.Advance();
  // Sync up to the end of the last complete frame that was reserved before the snapshot; the
  // bytes after it may belong to copies still running, which a later round covers.
  const Lsn target = std::min(written.lsn, reserved);
  const FrameEnd target_end = written.lsn >= reserved ? reserved_end : written.end;
  const Lsn planned = planned_lsn.load(std::memory_order_relaxed);
  if (target <= planned) {
    // Nothing new: the rounds in flight cover what this round's waiters need, and it ends
    // right after them.
    rounds.push_back(PlannedRound{.round = round, .target = planned, .done = true});
    PublishDoneRounds();
    return planned;
  }
  struct Range {
    std::shared_ptr<Segment> segment;
    std::uint64_t start = 0;
    std::uint64_t end = 0;
  };
  std::vector<Range> ranges;
  const auto now = std::chrono::steady_clock::now();
  const bool store_hint = now - hint_stored_at >= kDurableHintInterval;
  for (auto& segment : segments->All()) {
    if (segment->seq() < planned_seq || segment->seq() > target_end.seq) {
      continue;
    }
    // From where the previous round ended (from the header, for a segment not synced before
    // or when the durable hint goes along) to the end of the complete data.
    const std::uint64_t end =
        segment->seq() == target_end.seq ? target_end.offset : segment->sealed_bytes();
    std::uint64_t start = segment->seq() == planned_seq ? planned_bytes : 0;
    if (segment == current && store_hint) {
      segment->StoreDurableHint(durable_lsn.load(std::memory_order_relaxed));
      start = 0;
    }
    TALLY_ASSERT(end >= kSegmentHeaderBytes && end <= segment->capacity_bytes() && start <= end);
    ranges.push_back(Range{.segment = std::move(segment), .start = start, .end = end});
  }
  // Recovery relies on segment headers reaching the disk in order: a zero header followed by a
  // valid segment is corruption, not a torn tail. So a round that writes any segment's first
  // page (its header: a new segment's first bytes, a range still within the first page, or the
  // durable hint) waits until the rounds before it, which may hold earlier segments' headers,
  // are done. That is the first rounds of each segment and one round per hint interval.
  const bool writes_header = std::any_of(
      ranges.begin(), ranges.end(), [](const Range& range) { return range.start < kPageBytes; });
  planned_seq = target_end.seq;
  planned_bytes = target_end.offset;
  planned_lsn.store(target, std::memory_order_release);
  if (store_hint) {
    hint_stored_at = now;
  }
  rounds.push_back(PlannedRound{.round = round, .target = target});
  if (writes_header) {
    // Only the rounds before this one: later ones may be planned behind it while it waits.
    const auto earlier_done = [&] {
      for (const PlannedRound& r : rounds) {
        if (r.round == round) {
          return true;
        }
        if (!r.done) {
          return false;
        }
      }
      TALLY_ASSERT_MSG(false, "a round in flight stays in `rounds` until it is published");
      return true;
    };
    sync_cv.wait(lock, [&] { return failed() || earlier_done(); });
    if (failed()) {
      return Error();
    }
  }
  lock.unlock();
  // Outside the lock: the next round is planned and its msync issued while this one runs.
  // A page at the boundary may be in both; the later msync writes it again if it changed.
  Status status;
  for (const Range& range : ranges) {
    status = range.segment->Sync(range.start, range.end - range.start);
    if (!status.ok()) {
      status = status.WithContext("sync segment " + range.segment->name());
      break;
    }
  }
  const auto sync_time = std::chrono::steady_clock::now() - now;
  lock.lock();
  if (!status.ok()) {
    // The round stays unpublished, so nothing after it is ever reported durable.
    SetError(status);
    sync_cv.notify_all();
    return Error();
  }
  const auto it = std::find_if(rounds.begin(), rounds.end(),
                               [round](const PlannedRound& r) { return r.round == round; });
  TALLY_ASSERT(it != rounds.end() && !it->done);
  it->done = true;
  it->sync_time = sync_time;
  PublishDoneRounds();
  return target;
}

void Log::Impl::PublishDoneRounds() {
  // Rounds end in the order they began: a round's bytes are durable on their own, but its
  // LSNs are durable only with every earlier round's.
  while (!rounds.empty() && rounds.front().done) {
    const PlannedRound& front = rounds.front();
    const Lsn durable = durable_lsn.load(std::memory_order_relaxed);
    if (front.target > durable) {
      sync_stats.Record(front.sync_time, front.target - durable);
      durable_lsn.store(front.target, std::memory_order_release);
    }
    signals.EndRound(front.round);
    rounds.pop_front();
  }
  sync_cv.notify_all();
}

Status Log::Impl::SyncWritten() {
  TALLY_ASSIGN_OR_RETURN(const Lsn target, SyncRound());
  std::unique_lock lock(sync_mu);
  sync_cv.wait(lock,
               [&] { return failed() || durable_lsn.load(std::memory_order_relaxed) >= target; });
  lock.unlock();
  if (options.sync == SyncPolicy::kAlways) {
    // This thread's round was in flight, so requests meanwhile may not have woken a sync
    // thread (GroupCommitSignals::RequestSync), and it may have published rounds whose
    // callbacks are due: a sync thread looks again.
    signals.RequestSync();
  }
  return failed() ? Error() : Status::Ok();
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
  // The first sync thread to stop (the log failed or closes) settles every callback left.
  callbacks.Close([this](Lsn lsn) { return DurableOutcome(lsn); });
}

void Log::Impl::RunAlwaysSyncRounds() {
  // A round runs whenever some appender asked for one since the last round began (by either
  // sync thread: a round covers every request made before it began), so every appender that
  // queues while an msync runs is covered by the next round (on the other sync thread, if
  // enough of them queue while this one waits for its msync), and whenever an OnDurable
  // callback waits for an LSN no round covers: its record may still have been incomplete when
  // the round its registration asked for looked, and nobody blocks in WaitDurable to ask again.
  for (;;) {
    // Also those made durable by another thread's round or by Sync().
    callbacks.DeliverUpTo(durable_lsn);
    if (callbacks.highest_pending() <= planned_lsn.load(std::memory_order_acquire)) {
      signals.WaitForRoundWorthStarting();
    }
    if (stopping()) {
      return;
    }
    const Lsn planned = planned_lsn.load(std::memory_order_acquire);
    const Result<Lsn> covered = SyncRound();
    if (!covered.ok()) {
      return;  // sticky: SetError woke every waiter, and nothing more can be synced
    }
    if (*covered <= planned && watermark.written() < last_lsn.load(std::memory_order_acquire)) {
      // Nothing new was complete: an earlier record is still being copied; let it finish.
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
  for (std::thread& thread : sync_threads) {
    if (thread.joinable()) {
      thread.join();
    }
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
