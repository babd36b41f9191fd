// Engine: tally's in-memory state (workspaces, contacts, custom events, goal index, timelines),
// built from the log and kept current by every accepted write.
//
// Every write is validated in full first (D5), turned into one log record
// (schemas/log_record.fbs), appended, and then applied to memory by the same code that replays
// the log at start-up, so the state is a pure function of the log. A write that changes
// nothing (D2 no-op) appends nothing.
//
// Thread safety: all public methods may be called concurrently from any thread. State is held
// in lock-striped maps (see engine/README in docs/architecture.md for the stripes and their
// lock order); writers to different contacts proceed in parallel, and for any two writes that
// touch the same event key or contact, log order equals apply order. Under SyncPolicy::kAlways
// a write method returns only after its record is durable; locks are released before that wait.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/model.h"
#include "engine/segment_definition.h"
#include "engine/snapshot.h"
#include "log/log.h"
#include "log/result.h"
#include "log/status.h"

namespace tally::engine {

struct EngineOptions {
  log::Log* log = nullptr;       // not owned; required. Replayed by Open, appended to by writes.
  const Clock* clock = nullptr;  // not owned; null means a SystemClock owned by the engine
  // A thread of the engine processes segment time boundaries as they pass (reading `clock`).
  // Without it the owner calls ProcessSegmentBoundaries itself (tests, simulations).
  bool segment_timer = true;
  // When set, Open first loads this snapshot (verifying it as it reads) and then replays only
  // the log records after the snapshot's LSN. The log must hold every record after it.
  std::filesystem::path snapshot = {};
  SnapshotProgress load_progress = {};  // progress of the snapshot load, in bytes
};

// Outcome of one upsert: the stored state after the write (D1) and whether it changed anything.
struct UpsertOutcome {
  Event event;
  bool applied = false;  // false: a no-op or stale write (D2); nothing was logged
  log::Lsn lsn = 0;      // the record written; 0 when nothing was logged
};

// Outcome of an upsert that wrote the stored state into the caller's Event (see Upsert).
struct UpsertReceipt {
  bool applied = false;  // false: a no-op or stale write (D2); nothing was logged
  log::Lsn lsn = 0;      // the record written; 0 when nothing was logged
};

// When a write returns (contract §5). kWait: once its record is durable under the log's sync
// policy. kDeferred: once it is applied, before it may be durable; the caller acknowledges
// only after the log reports the outcome's `lsn` durable (log::Log::WaitDurable, or a
// notification), so that a server need not park a thread per write while a sync runs.
enum class Durability { kWait, kDeferred };

// One invalid element of an import (D12).
struct ImportElementError {
  std::size_t index = 0;
  std::string error;  // Notifuse's full message, e.g. "validation error: event at index 3: ..."
};

// Outcome of one import: on success the request's external_ids in request order; on a
// validation failure `status` is kInvalidArgument with the first element's message and
// `errors` lists every invalid element. Nothing is applied unless every element is valid.
struct ImportOutcome {
  Status status;
  std::vector<ImportElementError> errors;
  std::vector<std::string> event_ids;
  log::Lsn lsn = 0;  // the record written; 0 when nothing was logged (invalid or a no-op)
};

struct ListQuery {
  std::string workspace_id;
  std::optional<std::string> email;       // normalized by the engine
  std::optional<std::string> event_name;  // combines with email by AND (D11)
  std::size_t limit = 50;                 // 1..100, validated by the caller
  std::size_t offset = 0;
};

struct AggregateQuery {
  std::string workspace_id;
  std::string email;
  std::optional<GoalType> goal_type;  // nullopt means "*": any goal type, never kNone
  std::optional<std::string> goal_name;
  AggregateOp op = AggregateOp::kSum;
  TimeRange range;
};

class Engine {
 public:
  // Replays options.log from its first record, reporting progress in the logs, and returns the
  // ready engine. Fails if a record cannot be applied (which means the log is corrupt).
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // customEvents.upsert. Errors: kInvalidArgument with Notifuse's exact message (reference
  // §2.3/§2.4 and D6/D8), or the log's error (kNoSpace, kIoError, kUnavailable).
  Result<UpsertOutcome> Upsert(std::string_view workspace_id, const EventInput& input,
                               Durability durability = Durability::kWait);

  // The same upsert, writing the stored state (D1) into `stored`, which it replaces field by
  // field reusing its strings' capacity: a caller that keeps one Event per thread allocates
  // nothing for the returned state once it has grown. `stored` is meaningful only when the
  // result is ok.
  Result<UpsertReceipt> Upsert(std::string_view workspace_id, const EventInput& input,
                               Durability durability, Event& stored);

  // customEvents.import: ≤ 50 events, all-or-nothing (D7, D12).
  ImportOutcome Import(std::string_view workspace_id, const std::vector<EventInput>& inputs,
                       Durability durability = Durability::kWait);

  // Checks every element as Import would, changing nothing: the invalid elements' errors in
  // index order (empty when all are valid). Lets the edge report elements it refuses itself (a
  // JSON null) together with the engine's findings, as D12 asks.
  std::vector<ImportElementError> CheckImportElements(const std::vector<EventInput>& inputs) const;

  // customEvents.get: kNotFound when absent or soft-deleted.
  Result<Event> Get(std::string_view workspace_id, std::string_view event_name,
                    std::string_view external_id) const;

  // customEvents.list: live events ordered by occurred_at DESC, event_name, external_id (D11).
  Result<std::vector<Event>> List(const ListQuery& query) const;

  // timeline.list: newest first (created_at DESC, id DESC). kInvalidArgument "invalid cursor"
  // for a cursor this engine did not issue; limit is 1..100.
  Result<TimelinePage> Timeline(std::string_view workspace_id, std::string_view email,
                                std::size_t limit, std::string_view cursor) const;

  // contacts.getByEmail: kNotFound "Contact not found".
  Result<Contact> GetContact(std::string_view workspace_id, std::string_view email) const;

  // contacts.delete: erasure (D13). kNotFound when the contact does not exist.
  Status EraseContact(std::string_view workspace_id, std::string_view email);

  // sum/count/avg/min/max over one contact's live goal events, O(log n) in its event count.
  Result<AggregateValue> Aggregate(const AggregateQuery& query) const;

  // --- segments (docs/segments.md) ---------------------------------------------------------
  // segments.create: the definition is logged and every contact evaluated before the call
  // returns (status "active"). kInvalidArgument (ValidateSegmentInput's messages, or "… a
  // workspace can have at most 50 segments"), kAlreadyExists "Segment already exists" for a
  // live id (a deleted id may be created again), or the log's error.
  Result<Segment> CreateSegment(std::string_view workspace_id, const SegmentInput& input);
  // segments.update: a new version of a live segment; kNotFound "Segment not found".
  Result<Segment> UpdateSegment(std::string_view workspace_id, const SegmentInput& input);
  // segments.delete: every member leaves (segment.left entries); kNotFound when not live.
  Status DeleteSegment(std::string_view workspace_id, std::string_view id);
  // segments.get: live or deleted (status "deleted"); kNotFound "Segment not found".
  Result<Segment> GetSegment(std::string_view workspace_id, std::string_view id) const;
  // segments.list: live segments, newest first.
  std::vector<Segment> ListSegments(std::string_view workspace_id) const;
  // segments.preview: kInvalidArgument "invalid preview segment request: <tree message>".
  Result<SegmentPreview> PreviewSegment(std::string_view workspace_id, std::string_view tree_json,
                                        std::string_view timezone, std::size_t limit) const;
  // segments.contacts: members' emails in ascending order, `offset` skipped, at most `limit`;
  // kNotFound for an unknown segment. O((offset + limit) log stripes).
  Result<std::vector<std::string>> SegmentContacts(std::string_view workspace_id,
                                                   std::string_view id, std::size_t limit,
                                                   std::size_t offset) const;
  // Evaluates every contact whose next time boundary is at or before the clock's now, logging
  // the membership changes time caused. The segment timer thread calls it; so can the owner.
  Status ProcessSegmentBoundaries();

  // --- snapshots (engine/snapshot.h, docs/snapshot-format.md) --------------------------------
  // Writes the complete state at one LSN into `file` (created, or replaced if it exists) and
  // fsyncs it, in the calling thread. Writers are held back only while that LSN is fixed (the
  // cut, microseconds); afterwards a writer that changes a contact the snapshot has not yet
  // encoded encodes it first (engine/snapshot_capture.h), and segment definitions wait until
  // the snapshot is written. The returned header names the LSN. The caller publishes the file only
  // after making the log durable up to that LSN (engine/snapshot_store.h does).
  // Errors: kIoError / kNoSpace from writing, kInternal if the state lags the log.
  Result<SnapshotHeader> WriteSnapshot(const std::filesystem::path& file,
                                       const SnapshotWriteOptions& options);

  // Erasures whose data may still be on disk, oldest first: every erasure applied since the
  // engine started or recorded in the snapshot it loaded, until ForgetErasuresThrough(lsn)
  // drops them (the snapshot store does, once no kept file holds them).
  std::vector<ErasureMark> Erasures() const;
  void ForgetErasuresThrough(log::Lsn lsn);

  struct Stats {
    std::uint64_t workspaces = 0;
    std::uint64_t contacts = 0;
    std::uint64_t events = 0;  // stored events, including soft-deleted ones
    std::uint64_t timeline_entries = 0;
    log::Lsn applied_lsn = 0;  // highest LSN applied to memory
  };
  Stats GetStats() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Normalizes an email as every lookup does (D6): trims ASCII and Unicode white space and
// lower-cases ASCII letters. Exposed so the edge (net) and the engine agree.
std::string NormalizeEmail(std::string_view email);

}  // namespace tally::engine
