// SnapshotMaintenance: the thread of `serve` that takes snapshots on its own — to keep the
// erasure bound (--erase-within, D13) and by the automatic policy (--snapshot-every-records,
// --snapshot-every-minutes) — see docs/operations.md, "Erasure bound" and "Automatic snapshots".
//
// Every tick (a quarter of the erasure bound, between 100 ms and 1 s) it:
//  1. tells the engine which erasures no kept file holds any more (SnapshotStore::ErasedThrough
//     → Engine::ForgetErasuresThrough), which also covers those purged before a restart;
//  2. if the oldest remaining erasure is at least --erase-within old, purges
//     (SnapshotStore::PurgeErasures: roll the log, snapshot, drop older snapshots, compact);
//  3. else takes a snapshot when the policy says so: N records appended since the newest
//     snapshot, or T minutes since the newest snapshot appeared (or since start) with records
//     appended since. Both ages are read from `clock` (the engine's wall clock).
// A failed snapshot is logged and retried after kRetryAfterFailure. Saves wait for one that is
// running (for example from POST /admin/snapshot).
//
// Thread safety: Start and Stop are called by serve's main thread; everything else runs on the
// maintenance thread. The store, engine, log and clock must outlive Stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/snapshot_store.h"
#include "log/log.h"

namespace tally::net {

struct SnapshotPolicy {
  std::uint64_t erase_within_s = 24 * 3600;
  std::uint64_t every_records = 0;  // 0: off
  std::uint64_t every_minutes = 0;  // 0: off
};

class SnapshotMaintenance {
 public:
  static constexpr std::chrono::seconds kRetryAfterFailure{10};

  SnapshotMaintenance(engine::SnapshotStore& store, engine::Engine& engine, log::Log& log,
                      const engine::Clock& clock, SnapshotPolicy policy);
  ~SnapshotMaintenance();  // Stop()
  SnapshotMaintenance(const SnapshotMaintenance&) = delete;
  SnapshotMaintenance& operator=(const SnapshotMaintenance&) = delete;

  void Start();
  // Wakes the thread and joins it; a snapshot in progress finishes first. Idempotent.
  void Stop();

 private:
  void Run();
  void Tick();
  // Forgets purged erasures; true when the oldest remaining one is past the bound.
  bool ErasureDue();
  bool PolicyDue();

  engine::SnapshotStore& store_;
  engine::Engine& engine_;
  log::Log& log_;
  const engine::Clock& clock_;
  const SnapshotPolicy policy_;
  const std::chrono::milliseconds tick_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;

  // Only touched on the maintenance thread. Times are clock_'s, so tests can move them.
  log::Lsn newest_lsn_ = 0;            // LSN of the newest snapshot seen
  engine::TimeUs newest_seen_at_ = 0;  // when it was first seen (or the thread started)
  engine::TimeUs retry_at_ = 0;
};

}  // namespace tally::net
