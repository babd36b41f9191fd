// Engine: opening and replay, and the write paths (upsert, import, erasure). Reads are in
// engine_queries.cc.
#include "engine/engine.h"

#include <chrono>
#include <mutex>
#include <optional>

#include "engine/engine_impl.h"
#include "engine/event_view.h"
#include "engine/record_apply.h"
#include "engine/record_builder.h"
#include "engine/segment_registry.h"
#include "engine/segment_upkeep.h"
#include "engine/validation.h"
#include "log/assert.h"
#include "log/log_reader.h"
#include "log/logger.h"
#include "schemas/log_record_generated.h"

namespace tally::engine {
namespace {

namespace fb = tally::schemas;

constexpr std::chrono::seconds kReplayProgressInterval{2};

// One record buffer per thread, reused by every write the thread makes.
RecordBuilder& ThreadRecordBuilder() {
  thread_local RecordBuilder builder;
  return builder;
}

// One upsert's resolved values per thread, so that its normalized email reuses one buffer.
ResolvedEvent& ThreadResolvedEvent() {
  thread_local ResolvedEvent resolved;
  return resolved;
}

// The contacts one write touched (for the segment upkeep), one reused vector per thread so
// that a write allocates nothing for it. Cleared on every call: one write at a time uses it.
std::vector<ContactEntry*>& ThreadTouched() {
  thread_local std::vector<ContactEntry*> touched;
  touched.clear();
  return touched;
}

const EventEntry* FindEvent(const Workspace& ws, unsigned key_stripe, const std::string* name,
                            std::string_view external_id) {
  const auto& events = ws.stripes[key_stripe].events;
  const auto it = events.find(EventKeyView{name, external_id});
  return it == events.end() ? nullptr : &*it;
}

// The stripe of the email the stored event (if any) is attached to. The caller holds the
// event's key stripe, which guards that attachment.
std::optional<unsigned> AttachedStripe(const EventEntry* entry) {
  if (entry == nullptr) return std::nullopt;
  return ContactStripe(entry->second.contact->first);
}

// Every element of an import checked (D12): the resolved elements, or every element's error.
struct ValidatedImport {
  std::vector<ResolvedEvent> resolved;
  std::vector<ImportElementError> errors;
};

ValidatedImport ValidateImportElements(const std::vector<EventInput>& inputs, TimeUs now) {
  ValidatedImport out;
  out.resolved.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Result<ResolvedEvent> r = ValidateImportElement(i, inputs[i], now);
    if (r.ok()) {
      out.resolved.push_back(std::move(r).value());
    } else {
      out.errors.push_back({i, std::string(r.status().message())});
    }
  }
  return out;
}

}  // namespace

std::uint64_t Engine::Impl::NewInstanceId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Workspace* Engine::Impl::FindWorkspace(std::string_view workspace_id) const {
  // The workspace this thread found last, so that a thread writing to one workspace takes no
  // lock to find it: a shared lock writes a cache line that every thread shares. It holds only
  // for the engine it came from (instance ids are never reused), and a workspace, once
  // created, lives as long as its engine.
  struct LastWorkspace {
    std::uint64_t engine = 0;
    std::string id;
    Workspace* ws = nullptr;
  };
  thread_local LastWorkspace last;
  if (last.engine == instance_id && last.id == workspace_id) return last.ws;
  Workspace* found = nullptr;
  {
    std::shared_lock lock(workspaces_mu);
    const auto it = workspaces.find(workspace_id);
    if (it == workspaces.end()) return nullptr;
    found = it->second.get();
  }
  last.engine = instance_id;
  last.id = workspace_id;
  last.ws = found;
  return found;
}

Workspace& Engine::Impl::GetOrCreateWorkspace(std::string_view workspace_id) {
  if (Workspace* ws = FindWorkspace(workspace_id)) return *ws;
  std::unique_lock lock(workspaces_mu);
  auto& slot = workspaces[std::string(workspace_id)];
  if (!slot) slot = std::make_unique<Workspace>(std::string(workspace_id));
  return *slot;
}

void Engine::Impl::NoteApplied(log::Lsn lsn) {
  log::Lsn seen = applied_lsn.load(std::memory_order_relaxed);
  while (seen < lsn && !applied_lsn.compare_exchange_weak(seen, lsn, std::memory_order_relaxed)) {
  }
}

Status Engine::Impl::ApplyRecord(std::span<const std::byte> payload, log::Lsn lsn) {
  const fb::Record* record = fb::GetRecord(payload.data());
  switch (record->body_type()) {
    case fb::RecordBody::EventWrite: {
      const fb::EventUpsert& u = *record->body_as_EventWrite()->event();
      Workspace& ws = GetOrCreateWorkspace(u.workspace_id()->string_view());
      std::vector<ContactEntry*>& touched = ThreadTouched();
      ApplyUpsertTracked(ws, u, lsn, 0, touched);
      ReevaluateTouched(ws, touched, u.recorded_at_us(), lsn);
      break;
    }
    case fb::RecordBody::EventImport: {
      const auto& events = *record->body_as_EventImport()->events();
      if (events.size() == 0 || events.size() > kImportEventsMax) {
        return Status::Corruption("LSN " + std::to_string(lsn) + ": import of " +
                                  std::to_string(events.size()) + " events");
      }
      // An import's elements all name the workspace of the request (RecordBuilder).
      Workspace& ws = GetOrCreateWorkspace(events.Get(0)->workspace_id()->string_view());
      std::vector<ContactEntry*>& touched = ThreadTouched();
      for (unsigned i = 0; i < events.size(); ++i) {
        const fb::EventUpsert& u = *events.Get(i);
        if (u.workspace_id()->string_view() != ws.id) {
          return Status::Corruption("LSN " + std::to_string(lsn) + ": import across workspaces");
        }
        ApplyUpsertTracked(ws, u, lsn, i, touched);
      }
      ReevaluateTouched(ws, touched, events.Get(0)->recorded_at_us(), lsn);
      break;
    }
    case fb::RecordBody::ContactErasure: {
      const fb::ContactErasure& erasure = *record->body_as_ContactErasure();
      Workspace& ws = GetOrCreateWorkspace(erasure.workspace_id()->string_view());
      ApplyContactErasure(ws, erasure.email()->string_view());
      ForgetContactSegments(*ws.segments, erasure.email()->string_view());
      NoteErasure(lsn, erasure.recorded_at_us());
      break;
    }
    case fb::RecordBody::SegmentDefine:
    case fb::RecordBody::SegmentDelete:
    case fb::RecordBody::SegmentTransition:
      TALLY_RETURN_IF_ERROR(ApplySegmentRecord(*record, lsn));
      break;
    default:
      return Status::Corruption("LSN " + std::to_string(lsn) + ": unknown record type " +
                                std::to_string(static_cast<int>(record->body_type())));
  }
  NoteApplied(lsn);
  return Status::Ok();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() {
  if (impl_->segment_timer.joinable()) {
    {
      std::lock_guard lock(impl_->segment_timer_mu);
      impl_->segment_timer_stop = true;
    }
    impl_->segment_timer_cv.notify_one();
    impl_->segment_timer.join();
  }
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  TALLY_ASSERT_MSG(options.log != nullptr, "EngineOptions.log is required");
  auto impl = std::make_unique<Impl>();
  impl->log = options.log;
  impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
  log::Lsn replay_from = 1;
  if (!options.snapshot.empty()) {
    TALLY_ASSIGN_OR_RETURN(const log::Lsn snapshot_lsn, impl->LoadSnapshotFile(options));
    replay_from = snapshot_lsn + 1;
  }

  // Replay runs before the engine is shared, so it applies records without taking locks.
  const log::Lsn last_lsn = impl->log->last_lsn();
  TALLY_ASSIGN_OR_RETURN(log::LogReader reader, impl->log->Read(replay_from));
  using SteadyClock = std::chrono::steady_clock;
  const auto started = SteadyClock::now();
  auto next_report = started + kReplayProgressInterval;
  std::uint64_t records = 0;
  for (;;) {
    TALLY_ASSIGN_OR_RETURN(std::optional<log::RecordView> view, reader.Next());
    if (!view) break;
    TALLY_RETURN_IF_ERROR(impl->ApplyRecord(view->payload, view->lsn));
    ++records;
    if ((records & 0xFFF) == 0 && SteadyClock::now() >= next_report) {
      const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
      tally::Log(LogLevel::kInfo, "engine", "replay progress",
                 {{"records", records},
                  {"lsn", view->lsn},
                  {"percent", last_lsn == 0 ? 100.0 : 100.0 * view->lsn / last_lsn},
                  {"records_per_s", records / seconds}});
      next_report = SteadyClock::now() + kReplayProgressInterval;
    }
  }
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  tally::Log(
      LogLevel::kInfo, "engine", "replay done",
      {{"records", records}, {"applied_lsn", impl->applied_lsn.load()}, {"seconds", seconds}});
  auto engine = std::unique_ptr<Engine>(new Engine(std::move(impl)));
  if (options.segment_timer) {
    Engine* e = engine.get();
    e->impl_->segment_timer = std::thread([e] { e->impl_->RunSegmentTimer(*e); });
  }
  return engine;
}

Result<UpsertOutcome> Engine::Upsert(std::string_view workspace_id, const EventInput& input,
                                     Durability durability) {
  UpsertOutcome outcome;
  TALLY_ASSIGN_OR_RETURN(const UpsertReceipt receipt,
                         Upsert(workspace_id, input, durability, outcome.event));
  outcome.applied = receipt.applied;
  outcome.lsn = receipt.lsn;
  return outcome;
}

Result<UpsertReceipt> Engine::Upsert(std::string_view workspace_id, const EventInput& input,
                                     Durability durability, Event& stored) {
  Impl& s = *impl_;
  const TimeUs now = s.clock->NowUs();
  ResolvedEvent& resolved = ThreadResolvedEvent();
  TALLY_RETURN_IF_ERROR(ValidateUpsert(workspace_id, input, now, resolved));
  // The record is built before any lock is taken: it depends on the request alone.
  RecordBuilder& record = ThreadRecordBuilder();
  record.BuildEventWrite(workspace_id, input, resolved, now);
  const fb::EventUpsert& upsert = *fb::GetRecord(record.data())->body_as_EventWrite()->event();
  Workspace& ws = s.GetOrCreateWorkspace(workspace_id);
  const unsigned key_stripe = EventStripe(input.event_name, input.external_id);
  const TimeUs deleted_at = input.deleted_at.value_or(kNoTime);
  // Optimistically lock the key and new email stripes; if the stored event sits on another
  // email, add that email's stripe and lock again (it may have moved meanwhile, so re-check).
  StripeMask mask = StripeBit(key_stripe) | StripeBit(ContactStripe(resolved.email));
  for (;;) {
    UpsertReceipt receipt;
    log::Lsn lsn = 0;
    {
      const WriteGatePass pass(s.write_gate);
      StripeLocks locks(ws, mask, /*exclusive=*/true);
      // The one lookup of the event key: the apply below takes it as found, since the locks
      // held since then keep anyone else from changing it.
      const EventKeyLookup key =
          FindEventKey(ws, s.interner, key_stripe, input.event_name, input.external_id);
      const EventEntry* entry = key.entry;
      if (const auto attached = AttachedStripe(entry); attached && !locks.Holds(*attached)) {
        mask |= StripeBit(*attached);
        continue;
      }
      if (DecideWrite(entry ? &entry->second : nullptr, resolved.occurred_at, deleted_at) ==
          WriteKind::kNoop) {
        AssignEvent(*entry, stored);
        return UpsertReceipt{false, 0};
      }
      // Appending and applying under the same locks makes log order equal apply order for
      // every pair of writes that share an event key or a contact.
      TALLY_ASSIGN_OR_RETURN(lsn, s.log->AppendNoWait(record.type(), record.payload()));
      std::vector<ContactEntry*>& touched = ThreadTouched();
      s.running_snapshot.BeforeUpsert(ws, s.interner, upsert);
      const EventEntry* applied = s.ApplyUpsertTracked(ws, upsert, lsn, 0, key, touched);
      TALLY_ASSERT(applied != nullptr);
      s.ReevaluateTouched(ws, touched, now, lsn);
      s.NoteApplied(lsn);
      AssignEvent(*applied, stored);
      receipt.applied = true;
      receipt.lsn = lsn;
    }
    if (durability == Durability::kWait) TALLY_RETURN_IF_ERROR(s.log->WaitDurable(lsn));
    return receipt;
  }
}

std::vector<ImportElementError> Engine::CheckImportElements(
    const std::vector<EventInput>& inputs) const {
  return ValidateImportElements(inputs, impl_->clock->NowUs()).errors;
}

ImportOutcome Engine::Import(std::string_view workspace_id, const std::vector<EventInput>& inputs,
                             Durability durability) {
  Impl& s = *impl_;
  ImportOutcome outcome;
  outcome.status = ValidateImportRequest(workspace_id, inputs.size());
  if (!outcome.status.ok()) return outcome;
  const TimeUs now = s.clock->NowUs();
  ValidatedImport validated = ValidateImportElements(inputs, now);
  if (!validated.errors.empty()) {
    outcome.status = Status::InvalidArgument(validated.errors.front().error);
    outcome.errors = std::move(validated.errors);
    return outcome;
  }
  const std::vector<ResolvedEvent>& resolved = validated.resolved;
  RecordBuilder& record = ThreadRecordBuilder();
  record.BuildEventImport(workspace_id, inputs, resolved, now);
  const auto& upserts = *fb::GetRecord(record.data())->body_as_EventImport()->events();
  Workspace& ws = s.GetOrCreateWorkspace(workspace_id);
  std::vector<const std::string*> names(inputs.size());
  std::vector<unsigned> key_stripes(inputs.size());
  StripeMask base = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    names[i] = s.interner.Intern(inputs[i].event_name);
    key_stripes[i] = EventStripe(inputs[i].event_name, inputs[i].external_id);
    base |= StripeBit(key_stripes[i]) | StripeBit(ContactStripe(resolved[i].email));
  }
  log::Lsn lsn = 0;
  StripeMask mask = base;
  for (bool done = false; !done;) {
    const WriteGatePass pass(s.write_gate);
    StripeLocks locks(ws, mask, /*exclusive=*/true);
    bool holds_all = true;
    bool any_applies = false;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const EventEntry* entry = FindEvent(ws, key_stripes[i], names[i], inputs[i].external_id);
      if (const auto attached = AttachedStripe(entry); attached && !locks.Holds(*attached)) {
        mask |= StripeBit(*attached);
        holds_all = false;
      }
      // If no element changes the stored state, none can change it after an earlier element
      // applied either (nothing applied), so the whole import is a no-op.
      any_applies =
          any_applies || DecideWrite(entry ? &entry->second : nullptr, resolved[i].occurred_at,
                                     inputs[i].deleted_at.value_or(kNoTime)) != WriteKind::kNoop;
    }
    if (!holds_all) continue;
    done = true;
    if (!any_applies) break;
    Result<log::Lsn> appended = s.log->AppendNoWait(record.type(), record.payload());
    if (!appended.ok()) {
      outcome.status = appended.status();
      return outcome;
    }
    lsn = *appended;
    std::vector<ContactEntry*>& touched = ThreadTouched();
    for (unsigned i = 0; i < upserts.size(); ++i) {
      s.running_snapshot.BeforeUpsert(ws, s.interner, *upserts.Get(i));
      s.ApplyUpsertTracked(ws, *upserts.Get(i), lsn, i, touched);
    }
    s.ReevaluateTouched(ws, touched, now, lsn);
    s.NoteApplied(lsn);
  }
  outcome.lsn = lsn;
  if (lsn != 0 && durability == Durability::kWait) {
    outcome.status = s.log->WaitDurable(lsn);
    if (!outcome.status.ok()) return outcome;
  }
  for (const EventInput& input : inputs) outcome.event_ids.push_back(input.external_id);
  return outcome;
}

Status Engine::EraseContact(std::string_view workspace_id, std::string_view email) {
  Impl& s = *impl_;
  const std::string normalized = NormalizeEmail(email);
  Workspace* ws = s.FindWorkspace(workspace_id);
  if (ws == nullptr) return Status::NotFound("Contact not found");
  RecordBuilder& record = ThreadRecordBuilder();
  const TimeUs now = s.clock->NowUs();
  record.BuildContactErasure(workspace_id, normalized, now);
  log::Lsn lsn = 0;
  {
    // An erasure may touch events in any stripe, so it takes them all (in ascending order).
    const WriteGatePass pass(s.write_gate);
    StripeLocks locks(*ws, kAllStripes, /*exclusive=*/true);
    const auto& contacts = ws->stripes[ContactStripe(normalized)].contacts;
    if (!contacts.contains(normalized)) return Status::NotFound("Contact not found");
    TALLY_ASSIGN_OR_RETURN(lsn, s.log->AppendNoWait(record.type(), record.payload()));
    s.running_snapshot.BeforeErase(*ws, normalized);
    const bool erased = ApplyContactErasure(*ws, normalized);
    TALLY_ASSERT(erased);
    ForgetContactSegments(*ws->segments, normalized);
    s.NoteErasure(lsn, now);
    s.NoteApplied(lsn);
  }
  return s.log->WaitDurable(lsn);
}

}  // namespace tally::engine
