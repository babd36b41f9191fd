// Engine: saved segments (create, update, delete, get, list, contacts), preview, and the
// processing of time boundaries (docs/segments.md, "Always-current membership").
#include <algorithm>
#include <chrono>
#include <mutex>
#include <queue>

#include "engine/engine.h"
#include "engine/engine_impl.h"
#include "engine/record_apply.h"
#include "engine/segment_definition.h"
#include "engine/segment_preview.h"
#include "engine/segment_record_apply.h"
#include "engine/segment_registry.h"
#include "engine/segment_tree_parser.h"
#include "engine/segment_upkeep.h"
#include "log/assert.h"
#include "log/logger.h"
#include "schemas/log_record_generated.h"

namespace tally::engine {
namespace {

namespace fb = tally::schemas;

// The timer thread never sleeps longer than this, so a clock set by hand (tests, simulations)
// is noticed, and a boundary queued while it sleeps waits at most this long.
constexpr auto kTimerSleepMax = std::chrono::milliseconds(100);

Segment ToSegment(const SavedSegment& saved) {
  Segment out;
  out.id = saved.definition.id;
  out.name = saved.definition.name;
  out.color = saved.definition.color;
  out.tree_json = saved.definition.tree_json;
  out.timezone = saved.definition.timezone.empty() ? "UTC" : saved.definition.timezone;
  out.version = saved.version;
  out.status = saved.deleted ? "deleted" : "active";
  out.db_created_at = saved.db_created_at;
  out.db_updated_at = saved.db_updated_at;
  out.users_count = saved.members_count.load(std::memory_order_relaxed);
  return out;
}

flatbuffers::Offset<flatbuffers::String> String(flatbuffers::FlatBufferBuilder& b,
                                                std::string_view text) {
  return b.CreateString(text.data(), text.size());
}

std::span<const std::byte> Payload(const flatbuffers::FlatBufferBuilder& b) {
  return {reinterpret_cast<const std::byte*>(b.GetBufferPointer()), b.GetSize()};
}

// Notes the contacts an applied upsert touched: the email the event was attached to before
// the write (which a move leaves), then its email now. Returns the event written.
const EventEntry* NoteTouched(const AppliedUpsert& applied, std::vector<ContactEntry*>& touched) {
  if (applied.attached_before != nullptr) touched.push_back(applied.attached_before);
  if (applied.event != nullptr) touched.push_back(applied.event->second.contact);
  return applied.event;
}

}  // namespace

void Engine::Impl::ReevaluateTouched(Workspace& ws, const std::vector<ContactEntry*>& touched,
                                     TimeUs recorded_at, log::Lsn lsn) {
  if (!ws.segments->HasLive()) return;
  for (std::size_t i = 0; i < touched.size(); ++i) {
    // A contact touched twice by one record (an import) is evaluated once.
    if (std::find(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(i), touched[i]) !=
        touched.begin() + static_cast<std::ptrdiff_t>(i)) {
      continue;
    }
    ReevaluateContactSegments(ws, *ws.segments, interner, *touched[i], recorded_at, lsn);
  }
  WakeSegmentTimer();
}

const EventEntry* Engine::Impl::ApplyUpsertTracked(Workspace& ws, const fb::EventUpsert& upsert,
                                                   log::Lsn lsn, unsigned position,
                                                   std::vector<ContactEntry*>& touched) {
  return NoteTouched(ApplyEventUpsert(ws, interner, upsert, lsn, position), touched);
}

const EventEntry* Engine::Impl::ApplyUpsertTracked(Workspace& ws, const fb::EventUpsert& upsert,
                                                   log::Lsn lsn, unsigned position,
                                                   const EventKeyLookup& key,
                                                   std::vector<ContactEntry*>& touched) {
  return NoteTouched(ApplyEventUpsert(ws, interner, upsert, lsn, position, key), touched);
}

Status Engine::Impl::ApplySegmentRecord(const fb::Record& record, log::Lsn lsn) {
  switch (record.body_type()) {
    case fb::RecordBody::SegmentDefine: {
      const fb::SegmentDefine& define = *record.body_as_SegmentDefine();
      return ApplySegmentDefine(GetOrCreateWorkspace(define.workspace_id()->string_view()),
                                interner, define, lsn);
    }
    case fb::RecordBody::SegmentDelete: {
      const fb::SegmentDelete& del = *record.body_as_SegmentDelete();
      ApplySegmentDelete(GetOrCreateWorkspace(del.workspace_id()->string_view()), del, lsn);
      return Status::Ok();
    }
    case fb::RecordBody::SegmentTransition: {
      const fb::SegmentTransition& transition = *record.body_as_SegmentTransition();
      return ApplySegmentTransition(GetOrCreateWorkspace(transition.workspace_id()->string_view()),
                                    interner, transition, lsn);
    }
    default: break;
  }
  TALLY_ASSERT_MSG(false, "not a segment record");
}

Result<Segment> Engine::Impl::DefineSegment(std::string_view workspace_id,
                                            const SegmentInput& input, SegmentRequestKind kind) {
  TALLY_RETURN_IF_ERROR(ValidateSegmentInput(input, kind).status());
  const TimeUs now = clock->NowUs();
  flatbuffers::FlatBufferBuilder b(1024 + input.tree_json.size());
  const auto body = fb::CreateSegmentDefine(
      b, String(b, workspace_id), String(b, input.id), String(b, input.name),
      String(b, input.color), String(b, input.tree_json), String(b, input.timezone), now);
  fb::FinishRecordBuffer(b, fb::CreateRecord(b, fb::RecordBody::SegmentDefine, body.Union()));
  Workspace& ws = GetOrCreateWorkspace(workspace_id);
  log::Lsn lsn = 0;
  std::shared_ptr<SavedSegment> saved;
  {
    // A definition is evaluated for every contact, so it holds every stripe; it changes
    // segments a running snapshot reads, so it waits for the snapshot to be written.
    const std::lock_guard no_snapshot(snapshot_mu);
    const WriteGatePass pass(write_gate);
    StripeLocks locks(ws, kAllStripes, /*exclusive=*/true);
    const std::shared_ptr<SavedSegment> existing = ws.segments->Find(input.id);
    const bool live = existing != nullptr && !existing->deleted;
    if (kind == SegmentRequestKind::kCreate && live) {
      return Status::AlreadyExists("Segment already exists");
    }
    if (kind == SegmentRequestKind::kUpdate && !live) return Status::NotFound("Segment not found");
    if (kind == SegmentRequestKind::kCreate && !ws.segments->FreeOrdinal()) {
      return Status::InvalidArgument(
          "invalid create segment request: a workspace can have at most 50 segments");
    }
    TALLY_ASSIGN_OR_RETURN(
        lsn,
        log->AppendNoWait(static_cast<std::uint16_t>(fb::RecordBody::SegmentDefine), Payload(b)));
    TALLY_RETURN_IF_ERROR(ApplySegmentRecord(*fb::GetRecord(b.GetBufferPointer()), lsn));
    NoteApplied(lsn);
    saved = ws.segments->Find(input.id);
  }
  WakeSegmentTimer();
  TALLY_RETURN_IF_ERROR(log->WaitDurable(lsn));
  return ToSegment(*saved);
}

Result<Segment> Engine::CreateSegment(std::string_view workspace_id, const SegmentInput& input) {
  return impl_->DefineSegment(workspace_id, input, SegmentRequestKind::kCreate);
}

Result<Segment> Engine::UpdateSegment(std::string_view workspace_id, const SegmentInput& input) {
  return impl_->DefineSegment(workspace_id, input, SegmentRequestKind::kUpdate);
}

Status Engine::DeleteSegment(std::string_view workspace_id, std::string_view id) {
  Impl& s = *impl_;
  Workspace* ws = s.FindWorkspace(workspace_id);
  if (ws == nullptr) return Status::NotFound("Segment not found");
  flatbuffers::FlatBufferBuilder b(256);
  const auto body =
      fb::CreateSegmentDelete(b, String(b, workspace_id), String(b, id), s.clock->NowUs());
  fb::FinishRecordBuffer(b, fb::CreateRecord(b, fb::RecordBody::SegmentDelete, body.Union()));
  log::Lsn lsn = 0;
  {
    const std::lock_guard no_snapshot(s.snapshot_mu);  // as DefineSegment
    const WriteGatePass pass(s.write_gate);
    StripeLocks locks(*ws, kAllStripes, /*exclusive=*/true);
    const std::shared_ptr<SavedSegment> existing = ws->segments->Find(id);
    if (existing == nullptr || existing->deleted) return Status::NotFound("Segment not found");
    TALLY_ASSIGN_OR_RETURN(
        lsn,
        s.log->AppendNoWait(static_cast<std::uint16_t>(fb::RecordBody::SegmentDelete), Payload(b)));
    TALLY_RETURN_IF_ERROR(s.ApplySegmentRecord(*fb::GetRecord(b.GetBufferPointer()), lsn));
    s.NoteApplied(lsn);
  }
  return s.log->WaitDurable(lsn);
}

Result<Segment> Engine::GetSegment(std::string_view workspace_id, std::string_view id) const {
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  const std::shared_ptr<SavedSegment> saved = ws == nullptr ? nullptr : ws->segments->Find(id);
  if (saved == nullptr) return Status::NotFound("Segment not found");
  return ToSegment(*saved);
}

std::vector<Segment> Engine::ListSegments(std::string_view workspace_id) const {
  std::vector<Segment> out;
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  if (ws == nullptr) return out;
  for (const auto& saved : *ws->segments->Live()) out.push_back(ToSegment(*saved));
  // Newest first, as Notifuse's db_created_at DESC; the id breaks ties so pages are stable.
  std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) {
    return a.db_created_at != b.db_created_at ? a.db_created_at > b.db_created_at : a.id < b.id;
  });
  return out;
}

Result<SegmentPreview> Engine::PreviewSegment(std::string_view workspace_id,
                                              std::string_view tree_json, std::string_view timezone,
                                              std::size_t limit) const {
  Result<SegmentTree> tree = ParseSegmentTree(tree_json, timezone);
  if (!tree.ok()) {
    return Status::InvalidArgument("invalid preview segment request: " +
                                   std::string(tree.status().message()));
  }
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  if (ws == nullptr) return SegmentPreview{};
  return ::tally::engine::PreviewSegment(*ws, impl_->interner, *tree, impl_->clock->NowUs(), limit);
}

Result<std::vector<std::string>> Engine::SegmentContacts(std::string_view workspace_id,
                                                         std::string_view id, std::size_t limit,
                                                         std::size_t offset) const {
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  const std::shared_ptr<SavedSegment> saved = ws == nullptr ? nullptr : ws->segments->Find(id);
  if (saved == nullptr) return Status::NotFound("Segment not found");
  // Merge the stripes' sorted member maps, holding every stripe shared for a consistent page.
  StripeLocks locks(*ws, kAllStripes, /*exclusive=*/false);
  using Iterator = std::map<std::string, SegmentMember, std::less<>>::const_iterator;
  using Head = std::pair<Iterator, unsigned>;
  const auto later = [](const Head& a, const Head& b) { return a.first->first > b.first->first; };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  for (unsigned s = 0; s < kStripeCount; ++s) {
    if (!saved->members[s].empty()) heads.emplace(saved->members[s].begin(), s);
  }
  std::vector<std::string> out;
  for (std::size_t index = 0; !heads.empty() && out.size() < limit; ++index) {
    auto [it, s] = heads.top();
    heads.pop();
    if (index >= offset) out.push_back(it->first);
    if (++it != saved->members[s].end()) heads.emplace(it, s);
  }
  return out;
}

Status Engine::Impl::ProcessDueBoundaries(Workspace& ws, TimeUs now, log::Lsn& last_lsn) {
  // Processing a boundary may queue the contact's next one, already due too; loop until none is.
  // A batch is popped and processed inside one pass of the write gate, so a snapshot sees each
  // entry either queued or processed, never popped and pending.
  for (;;) {
    const WriteGatePass pass(write_gate);
    const auto due = ws.segments->PopDue(now);
    if (due.empty()) return Status::Ok();
    TALLY_RETURN_IF_ERROR(ProcessBoundaries(ws, due, now, last_lsn));
  }
}

Status Engine::Impl::ProcessBoundaries(Workspace& ws,
                                       const std::vector<std::pair<TimeUs, std::string>>& due,
                                       TimeUs now, log::Lsn& last_lsn) {
  for (const auto& [at, email] : due) {
    const unsigned stripe = ContactStripe(email);
    StripeLocks locks(ws, StripeBit(stripe), /*exclusive=*/true);
    // A later evaluation (a write, another boundary) superseded this entry, or the contact
    // was erased.
    auto& contacts = ws.stripes[stripe].contacts;
    const auto contact = contacts.find(email);
    if (contact == contacts.end() || contact->second.segment_boundary != at) continue;
    running_snapshot.BeforeChange(ws, *contact);
    const ContactSegmentsEvaluation evaluation =
        EvaluateContactSegments(*ws.segments->Live(), *contact, interner, at);
    if (evaluation.changes.empty()) {
      SetSegmentBoundary(*ws.segments, *contact, evaluation.next_boundary);
      continue;
    }
    // A change that time alone caused is logged, so that replay repeats it at this instant.
    flatbuffers::FlatBufferBuilder b(256);
    std::vector<flatbuffers::Offset<fb::SegmentMembershipChange>> changes;
    for (const SegmentChange& change : evaluation.changes) {
      changes.push_back(fb::CreateSegmentMembershipChange(
          b, String(b, change.segment->definition.id), change.joined));
    }
    const auto body = fb::CreateSegmentTransition(b, String(b, ws.id), String(b, email), at,
                                                  b.CreateVector(changes), now);
    fb::FinishRecordBuffer(b, fb::CreateRecord(b, fb::RecordBody::SegmentTransition, body.Union()));
    TALLY_ASSIGN_OR_RETURN(
        last_lsn, log->AppendNoWait(static_cast<std::uint16_t>(fb::RecordBody::SegmentTransition),
                                    Payload(b)));
    TALLY_RETURN_IF_ERROR(ApplySegmentRecord(*fb::GetRecord(b.GetBufferPointer()), last_lsn));
    NoteApplied(last_lsn);
  }
  return Status::Ok();
}

Status Engine::ProcessSegmentBoundaries() {
  Impl& s = *impl_;
  const TimeUs now = s.clock->NowUs();
  log::Lsn last_lsn = 0;
  for (Workspace* ws : s.AllWorkspaces()) {
    TALLY_RETURN_IF_ERROR(s.ProcessDueBoundaries(*ws, now, last_lsn));
  }
  return last_lsn == 0 ? Status::Ok() : s.log->WaitDurable(last_lsn);
}

std::vector<Workspace*> Engine::Impl::AllWorkspaces() const {
  std::shared_lock lock(workspaces_mu);
  std::vector<Workspace*> out;
  for (const auto& [id, ws] : workspaces) out.push_back(ws.get());
  return out;
}

void Engine::Impl::WakeSegmentTimer() {
  segment_timer_cv.notify_one();
}

void Engine::Impl::RunSegmentTimer(Engine& engine) {
  std::unique_lock lock(segment_timer_mu);
  while (!segment_timer_stop) {
    std::optional<TimeUs> next;
    for (Workspace* ws : AllWorkspaces()) {
      const std::optional<TimeUs> due = ws->segments->NextDue();
      if (due && (!next || *due < *next)) next = due;
    }
    const TimeUs now = clock->NowUs();
    if (next && *next <= now) {
      lock.unlock();
      const Status status = engine.ProcessSegmentBoundaries();
      if (!status.ok()) {
        tally::Log(LogLevel::kError, "engine", "segment boundaries failed",
                   {{"error", status.ToString()}});
      }
      lock.lock();
      continue;
    }
    auto sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kTimerSleepMax);
    if (next)
      sleep = std::min(sleep, std::chrono::duration_cast<decltype(sleep)>(
                                  std::chrono::microseconds(*next - now)));
    segment_timer_cv.wait_for(lock, sleep);
  }
}

}  // namespace tally::engine
