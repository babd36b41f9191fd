// Engine::Impl: the engine's private state, shared by engine.cc (open, replay, writes) and
// engine_queries.cc (reads).
//
// Thread safety: `workspaces_mu` guards the workspace map (shared to look up, exclusive to
// add); workspaces are never removed, so a Workspace& stays valid once found. Lock order:
// snapshot_mu, then the write gate (every writer passes it around lock + append + apply, see
// engine/write_gate.h), then stripes; workspaces_mu is released before any stripe is taken;
// stripes in ascending index order; the interner's and erasures_mu are leaves.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/record_apply.h"
#include "engine/running_snapshot.h"
#include "engine/snapshot.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "engine/write_gate.h"
#include "log/log.h"

namespace tally::schemas {
struct EventUpsert;
struct Record;
}  // namespace tally::schemas

namespace tally::engine {

struct Engine::Impl {
  // Unique among the engines of this process, never reused (FindWorkspace's thread cache).
  const std::uint64_t instance_id = NewInstanceId();
  static std::uint64_t NewInstanceId();
  log::Log* log = nullptr;
  const Clock* clock = nullptr;
  SystemClock system_clock;
  StringInterner interner;
  mutable std::shared_mutex workspaces_mu;
  std::unordered_map<std::string, std::unique_ptr<Workspace>, TransparentStringHash,
                     std::equal_to<>>
      workspaces;
  std::atomic<log::Lsn> applied_lsn{0};

  // --- snapshots (engine_snapshot.cc) -------------------------------------------------------
  WriteGate write_gate;
  // One WriteSnapshot at a time; segment definitions take it too, so none runs during one.
  std::mutex snapshot_mu;
  mutable std::mutex erasures_mu;
  std::vector<ErasureMark> erasures;  // guarded by erasures_mu; ascending LSN
  // Records an applied erasure (live or replayed) whose data may still be on disk.
  void NoteErasure(log::Lsn lsn, TimeUs recorded_at);
  // The snapshot being written, which writers preserve contacts for before changing them.
  RunningSnapshot running_snapshot;
  // Loads options.snapshot into this (not yet shared) engine; returns the snapshot's LSN.
  Result<log::Lsn> LoadSnapshotFile(const EngineOptions& options);

  // The workspace, or null when nothing was ever written to it.
  Workspace* FindWorkspace(std::string_view workspace_id) const;
  Workspace& GetOrCreateWorkspace(std::string_view workspace_id);

  // Applies one verified record payload (replay and live writes). Fails on a record this
  // engine cannot apply, which means the log is corrupt.
  Status ApplyRecord(std::span<const std::byte> payload, log::Lsn lsn);
  void NoteApplied(log::Lsn lsn);

  // --- segments (engine_segments.cc) --------------------------------------------------------
  // ApplyEventUpsert that also notes the contacts the write touched (the event's email before
  // and after), for ReevaluateTouched. The caller holds the stripes ApplyEventUpsert needs.
  const EventEntry* ApplyUpsertTracked(Workspace& ws, const schemas::EventUpsert& upsert,
                                       log::Lsn lsn, unsigned position,
                                       std::vector<ContactEntry*>& touched);
  // The same with the event key already found under the locks the caller holds.
  const EventEntry* ApplyUpsertTracked(Workspace& ws, const schemas::EventUpsert& upsert,
                                       log::Lsn lsn, unsigned position, const EventKeyLookup& key,
                                       std::vector<ContactEntry*>& touched);
  // Re-evaluates the touched contacts against the live segments at the record's time.
  void ReevaluateTouched(Workspace& ws, const std::vector<ContactEntry*>& touched,
                         TimeUs recorded_at, log::Lsn lsn);
  Status ApplySegmentRecord(const schemas::Record& record, log::Lsn lsn);
  Result<Segment> DefineSegment(std::string_view workspace_id, const SegmentInput& input,
                                SegmentRequestKind kind);
  Status ProcessDueBoundaries(Workspace& ws, TimeUs now, log::Lsn& last_lsn);
  Status ProcessBoundaries(Workspace& ws, const std::vector<std::pair<TimeUs, std::string>>& due,
                           TimeUs now, log::Lsn& last_lsn);
  std::vector<Workspace*> AllWorkspaces() const;
  void WakeSegmentTimer();
  void RunSegmentTimer(Engine& engine);

  // The segment timer thread; segment_timer_mu guards segment_timer_stop.
  std::thread segment_timer;
  std::mutex segment_timer_mu;
  std::condition_variable segment_timer_cv;
  bool segment_timer_stop = false;
};

}  // namespace tally::engine
