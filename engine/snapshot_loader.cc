#include "engine/snapshot_loader.h"

#include <algorithm>
#include <array>
#include <bit>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/goal_index.h"
#include "engine/segment_registry.h"
#include "engine/segment_tree_parser.h"
#include "engine/snapshot_chunk_check.h"
#include "engine/snapshot_file_reader.h"
#include "engine/timeline.h"
#include "log/assert.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {
namespace {

namespace fbs = tally::schemas::snapshot;

// Threads that build contacts; each takes the stripes of one parity.
constexpr unsigned kSnapshotLoadThreads = 2;
// How many staged events ahead the event pass fetches what it will touch: enough to overlap
// the misses, few enough that the lines are still cached when used.
constexpr std::size_t kStagedFetchAhead = 8;

Status At(std::uint64_t offset, const std::string& what) {
  return Status::Corruption("offset " + std::to_string(offset) + ": " + what);
}

// A workspace being loaded: its live segments by ordinal, and what the check pass counted
// per contact stripe so the maps can be presized.
struct WorkspaceLoad {
  Workspace* ws = nullptr;
  std::array<SavedSegment*, kSegmentsPerWorkspaceMax> by_ordinal{};
  std::array<std::size_t, kStripeCount> contacts{};
  std::size_t events = 0;
};

// An event read from a contacts chunk by the contact pass, waiting for the event pass to put it
// in its key stripe's table: everything the entry is built from, pointing into the mapped file
// and the interner.
struct StagedEvent {
  const fbs::EventFixed* fixed;
  const char* text;  // its external_id, then properties and integration_id, back to back
  const std::string* name;
  const std::string* source;
  const std::string* goal_name;  // null: none
  ContactEntry* contact;
  // Its slot in the contact's event list, and its derived timeline entry (null: none), which
  // the event pass points at the entry. Kept as addresses so that the event pass can fetch
  // them ahead; the contact pass updates them when a continued contact's lists move.
  EventEntry** slot;
  TimelineItem* derived;
  std::uint32_t contact_pos;  // index of `slot` in the contact's event list
  std::uint32_t derived_pos;  // index of `derived` in the contact's timeline
};
// What one contact-pass thread staged, per workspace and key stripe
// ([workspace * kStripeCount + key stripe]).
using StagedEvents = std::vector<std::vector<StagedEvent>>;

// A contacts chunk waiting for the build pass.
struct PendingChunk {
  SnapshotChunk chunk;
  std::size_t workspace;  // index into the loads
};

Result<std::shared_ptr<SavedSegment>> LoadSegment(const fbs::SavedSegment& s, std::uint64_t at) {
  auto segment = std::make_shared<SavedSegment>();
  segment->definition = SegmentInput{s.id()->str(), s.name()->str(), s.color()->str(),
                                     s.tree_json()->str(), s.timezone()->str()};
  Result<SegmentTree> tree =
      ParseSegmentTree(segment->definition.tree_json, segment->definition.timezone);
  if (!tree.ok()) {
    return At(at, "segment " + segment->definition.id + ": " + tree.status().ToString());
  }
  segment->tree = std::make_shared<const SegmentTree>(std::move(tree).value());
  segment->version = s.version();
  segment->ordinal = s.ordinal();
  segment->db_created_at = s.db_created_at_us();
  segment->db_updated_at = s.db_updated_at_us();
  return segment;
}

Status LoadWorkspace(const SnapshotChunk& chunk, LoadedSnapshot& out, WorkspaceLoad& load) {
  const auto& w = *flatbuffers::GetRoot<fbs::WorkspaceChunk>(chunk.body.data());
  for (const auto& ws : out.workspaces) {
    if (ws->id == w.id()->string_view()) return At(chunk.offset, "a workspace appears twice");
  }
  out.workspaces.push_back(std::make_unique<Workspace>(w.id()->str()));
  load.ws = out.workspaces.back().get();
  SegmentRegistry& registry = *load.ws->segments;
  // Deleted segments first: a registry entry is made live by Put, so a deleted one is put and
  // marked deleted at once, before the live ones fill the live list in their order.
  for (const bool deleted : {true, false}) {
    for (const fbs::SavedSegment* s : *w.segments()) {
      if (s->deleted() != deleted) continue;
      if (registry.Find(s->id()->string_view()) != nullptr) {
        return At(chunk.offset, "segment " + s->id()->str() + " appears twice");
      }
      TALLY_ASSIGN_OR_RETURN(std::shared_ptr<SavedSegment> segment, LoadSegment(*s, chunk.offset));
      registry.Put(segment);
      if (deleted) {
        registry.MarkDeleted(segment);
      } else {
        load.by_ordinal[segment->ordinal] = segment.get();
      }
    }
  }
  return Status::Ok();
}

// Reads a chunk's texts front to back, in the grammar's order.
class TextCursor {
 public:
  explicit TextCursor(const flatbuffers::Vector<std::uint8_t>& text)
      : data_(reinterpret_cast<const char*>(text.data())) {}
  const char* at() const { return data_; }
  std::string_view Take(std::uint32_t bytes) {
    const std::string_view out(data_, bytes);
    data_ += bytes;
    return out;
  }

 private:
  const char* data_;
};

// A contact stripe's staged events of its open contact (the last one loaded), by position in
// its event list: where a derived timeline entry in a later chunk finds its event.
struct OpenContact {
  ContactEntry* contact = nullptr;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> staged;  // (key stripe, index there)
};

// The contact pass over one contacts chunk: builds its contacts, their memberships, timeline
// items and goal series, and stages their events by key stripe for the event pass. Touches only
// the chunk's contact stripe and this thread's staging.
class ContactsLoader {
 public:
  // `open` is the chunk's stripe's open contact, which a continued entry extends; `staged`
  // this thread's staging for the chunk's workspace (kStripeCount vectors).
  ContactsLoader(const SnapshotChunk& chunk, const WorkspaceLoad& load, StringInterner& interner,
                 OpenContact& open, std::vector<StagedEvent>* staged)
      : chunk_(chunk),
        c_(*flatbuffers::GetRoot<fbs::ContactsChunk>(chunk.body.data())),
        staged_(staged),
        load_(load),
        open_(open),
        stripe_(load.ws->stripes[c_.stripe()]),
        text_(*c_.text()) {
    strings_.reserve(c_.strings()->size());
    for (const flatbuffers::String* s : *c_.strings()) {
      strings_.push_back(interner.Intern(s->string_view()));
    }
  }

  Status Load() {
    std::size_t event = 0;
    std::size_t item = 0;
    std::size_t member = 0;
    for (const fbs::ContactFixed* fixed : *c_.contacts()) {
      if (!fixed->continued()) {
        TALLY_ASSIGN_OR_RETURN(open_.contact, NewContact(*fixed, member));
        open_.staged.clear();
      }
      TALLY_ASSERT(open_.contact != nullptr);
      ContactEntry& contact = *open_.contact;
      // The counts are known: each list is allocated once. The event pass fills the event
      // list's slots with the entries.
      const EventEntry* const* events_before = contact.second.events.data();
      const TimelineItem* timeline_before = contact.second.timeline.data();
      contact.second.events.resize(contact.second.events.size() + fixed->events());
      contact.second.timeline.reserve(contact.second.timeline.size() + fixed->timeline_items());
      if (contact.second.events.data() != events_before ||
          contact.second.timeline.data() != timeline_before) {
        RepointStaged(contact);
      }
      for (std::uint32_t e = 0; e < fixed->events(); ++e) {
        StageEvent(*c_.events()->Get(static_cast<flatbuffers::uoffset_t>(event++)), contact);
      }
      for (std::uint32_t t = 0; t < fixed->timeline_items(); ++t) {
        TALLY_RETURN_IF_ERROR(LoadTimelineItem(
            *c_.timeline()->Get(static_cast<flatbuffers::uoffset_t>(item++)), contact));
      }
    }
    stripe_.contacts_count.fetch_add(contacts_count_, std::memory_order_relaxed);
    stripe_.timeline_count.fetch_add(timeline_count_, std::memory_order_relaxed);
    return Status::Ok();
  }

 private:
  Result<ContactEntry*> NewContact(const fbs::ContactFixed& fixed, std::size_t& member) {
    const std::string_view email = text_.Take(fixed.email_bytes());
    auto [it, inserted] = stripe_.contacts.try_emplace(email);
    if (!inserted) return At(chunk_.offset, "contact " + std::string(email) + " appears twice");
    ContactState& c = it->second;
    c.exists = fixed.exists();
    c.created_at = fixed.created_at_us();
    c.updated_at = fixed.updated_at_us();
    c.segment_bits = fixed.segment_bits();
    c.segment_boundary = fixed.segment_boundary_us();
    for (std::uint64_t bits = c.segment_bits; bits != 0; bits &= bits - 1) {
      SavedSegment& segment = *load_.by_ordinal[std::countr_zero(bits)];
      const fbs::MemberFixed& m = *c_.members()->Get(static_cast<flatbuffers::uoffset_t>(member++));
      segment.members[c_.stripe()].emplace(
          it->first, SegmentMember{m.version(), m.matched_at_us(), m.computed_at_us()});
      segment.members_count.fetch_add(1, std::memory_order_relaxed);
    }
    contacts_count_ += c.exists ? 1 : 0;
    return &*it;
  }

  // A continued contact's lists moved: its staged events' addresses follow them.
  void RepointStaged(ContactEntry& contact) {
    for (const auto& [key_stripe, index] : open_.staged) {
      StagedEvent& event = staged_[key_stripe][index];
      event.slot = contact.second.events.data() + event.contact_pos;
      if (event.derived != nullptr)
        event.derived = contact.second.timeline.data() + event.derived_pos;
    }
  }

  void StageEvent(const fbs::EventFixed& fixed, ContactEntry& contact) {
    const std::string* name = strings_[fixed.event_name()];
    const char* text = text_.at();
    const std::string_view external_id = text_.Take(fixed.external_id_bytes());
    text_.Take(fixed.properties_json_bytes());
    text_.Take(fixed.integration_id_bytes());
    const unsigned key_stripe = EventStripe(*name, external_id);
    const auto pos = static_cast<std::uint32_t>(open_.staged.size());
    TALLY_ASSERT(contact.second.events.size() > pos);
    std::vector<StagedEvent>& into = staged_[key_stripe];
    open_.staged.emplace_back(key_stripe, static_cast<std::uint32_t>(into.size()));
    const std::string* goal_name =
        fixed.goal_name() == kSnapshotNoString ? nullptr : strings_[fixed.goal_name()];
    into.push_back(StagedEvent{&fixed, text, name, strings_[fixed.source()], goal_name, &contact,
                               contact.second.events.data() + pos, nullptr, pos, 0});
    // The goal series, columns and buckets belong to the contact's stripe, so they are built
    // here from the event's fields; AddGoalEvent reads no more of the event than these.
    if (fixed.deleted_at_us() == kNoTime &&
        static_cast<GoalType>(fixed.goal_type()) != GoalType::kNone) {
      EventState goal;
      goal.contact = &contact;
      goal.goal_name = goal_name;
      goal.occurred_at = fixed.occurred_at_us();
      goal.goal_value_cents = fixed.goal_value_cents();
      goal.goal_type = static_cast<GoalType>(fixed.goal_type());
      AddGoalEvent(stripe_, contact, goal);
    }
  }

  Status LoadTimelineItem(const fbs::TimelineFixed& fixed, ContactEntry& contact) {
    TimelineItem item;
    item.created_at = fixed.created_at_us();
    item.id = fixed.id();
    item.db_created_at = fixed.db_created_at_us();
    const std::string_view text_a = text_.Take(fixed.text_a_bytes());
    const std::string_view text_b = text_.Take(fixed.text_b_bytes());
    switch (fixed.kind()) {
      case fbs::TimelineItemKind::ContactCreated: break;
      case fbs::TimelineItemKind::Derived: {
        // The entry is set by the event pass, once the event has its address.
        const auto [key_stripe, index] = open_.staged[fixed.ref()];
        StagedEvent& event = staged_[key_stripe][index];
        if (!event.fixed->insert_entry_derived() || event.fixed->seq() != item.id ||
            event.fixed->occurred_at_us() != item.created_at || event.derived != nullptr) {
          return At(chunk_.offset, "a derived timeline entry that does not match its event");
        }
        // The timeline has room for the chunk's items, so the item's address stays.
        event.derived_pos = static_cast<std::uint32_t>(contact.second.timeline.size());
        event.derived = contact.second.timeline.data() + event.derived_pos;
        break;
      }
      case fbs::TimelineItemKind::Frozen:
        item.content = std::make_unique<FrozenTimelineEntry>(
            FrozenTimelineEntry{strings_[fixed.ref()], std::string(text_a), std::string(text_b),
                                static_cast<TimelineOperation>(fixed.operation())});
        break;
      case fbs::TimelineItemKind::SegmentJoined:
      case fbs::TimelineItemKind::SegmentLeft: {
        auto entry = std::make_unique<SegmentTimelineEntry>();
        entry->segment_id = *strings_[fixed.ref()];
        entry->version = fixed.version();
        entry->matched_at = fixed.matched_at_us();
        entry->joined = fixed.kind() == fbs::TimelineItemKind::SegmentJoined;
        item.content = std::move(entry);
        break;
      }
    }
    // The checker saw the items in ascending order, so each one goes at the end.
    contact.second.timeline.push_back(std::move(item));
    ++timeline_count_;
    return Status::Ok();
  }

  const SnapshotChunk& chunk_;
  const fbs::ContactsChunk& c_;
  std::vector<StagedEvent>* staged_;  // this workspace's kStripeCount vectors
  const WorkspaceLoad& load_;
  OpenContact& open_;
  std::uint64_t contacts_count_ = 0;
  std::uint64_t timeline_count_ = 0;
  Stripe& stripe_;
  TextCursor text_;
  std::vector<const std::string*> strings_;  // the chunk's strings, interned
};

// Counts what a contacts chunk adds to its workspace, for presizing.
void CountChunk(const SnapshotChunk& chunk, WorkspaceLoad& load) {
  const auto& c = *flatbuffers::GetRoot<fbs::ContactsChunk>(chunk.body.data());
  load.events += c.events()->size();
  for (const fbs::ContactFixed* contact : *c.contacts()) {
    load.contacts[c.stripe()] += contact->continued() ? 0 : 1;
  }
}

void Presize(const WorkspaceLoad& load) {
  // Events spread evenly over the key stripes; a quarter more keeps the first rehash away.
  const std::size_t events_per_stripe = load.events / kStripeCount + load.events / kStripeCount / 4;
  for (unsigned s = 0; s < kStripeCount; ++s) {
    load.ws->stripes[s].events.reserve(events_per_stripe);
    load.ws->stripes[s].contacts.reserve(load.contacts[s]);
  }
}

// The contact pass over the contacts chunks whose stripe has this parity, in file order,
// staging their events in `staged` ([workspace * kStripeCount + key stripe]).
Status LoadContacts(const std::vector<PendingChunk>& pending,
                    const std::vector<WorkspaceLoad>& loads, StringInterner& interner,
                    unsigned parity, StagedEvents& staged) {
  staged.resize(loads.size() * kStripeCount);
  for (std::size_t w = 0; w < loads.size(); ++w) {
    // This thread's share of a key stripe's events, and an eighth more for the spread.
    const std::size_t share = loads[w].events / kStripeCount / kSnapshotLoadThreads;
    for (unsigned s = 0; s < kStripeCount; ++s)
      staged[w * kStripeCount + s].reserve(share + share / 8);
  }
  std::array<OpenContact, kStripeCount> open;
  std::size_t workspace = SIZE_MAX;
  for (const PendingChunk& p : pending) {
    const auto& c = *flatbuffers::GetRoot<fbs::ContactsChunk>(p.chunk.body.data());
    if (c.stripe() % kSnapshotLoadThreads != parity) continue;
    if (p.workspace != workspace) {
      workspace = p.workspace;
      for (OpenContact& o : open) o = OpenContact{};
    }
    TALLY_RETURN_IF_ERROR(ContactsLoader(p.chunk, loads[p.workspace], interner, open[c.stripe()],
                                         staged.data() + p.workspace * kStripeCount)
                              .Load());
  }
  return Status::Ok();
}

// The event pass over one key stripe: puts the events both contact-pass threads staged for it
// into its table (no lock: this thread alone builds the stripe), points their contacts' event
// lists and derived timeline entries at them, and builds the stripe's event-name indexes from
// each name's live events sorted in the index's own order.
Status LoadStripeEvents(const SnapshotChunk* const* chunks, Stripe& stripe,
                        std::span<const std::vector<StagedEvent>* const> staged) {
  std::unordered_map<const std::string*, std::vector<std::pair<TimeUs, const EventEntry*>>> live;
  std::uint64_t count = 0;
  for (const std::vector<StagedEvent>* events : staged) {
    for (std::size_t i = 0; i < events->size(); ++i) {
      // The staged events come from all over the file and all contacts: what the event a few
      // places ahead reads and writes is fetched while this one is built.
      if (i + kStagedFetchAhead < events->size()) {
        const StagedEvent& ahead = (*events)[i + kStagedFetchAhead];
        __builtin_prefetch(ahead.fixed);
        __builtin_prefetch(reinterpret_cast<const char*>(ahead.fixed) + 64);
        __builtin_prefetch(ahead.text);
        __builtin_prefetch(ahead.slot, 1);
        if (ahead.derived != nullptr) __builtin_prefetch(ahead.derived, 1);
      }
      const StagedEvent& staged_event = (*events)[i];
      const fbs::EventFixed& fixed = *staged_event.fixed;
      const std::string_view external_id(staged_event.text, fixed.external_id_bytes());
      auto [it, inserted] = stripe.events.try_emplace(EventKeyView{staged_event.name, external_id});
      if (!inserted) {
        return At(chunks[0]->offset, "event " + *staged_event.name + "/" +
                                         std::string(external_id) + " appears twice");
      }
      EventEntry* const entry = &*it;
      EventState& ev = entry->second;
      ev.contact = staged_event.contact;
      ev.source = staged_event.source;
      ev.goal_name = staged_event.goal_name;
      const char* text = staged_event.text + fixed.external_id_bytes();
      ev.properties_json = stripe.texts.Add({text, fixed.properties_json_bytes()});
      if (fixed.has_integration_id()) {
        ev.integration_id =
            stripe.texts.Add({text + fixed.properties_json_bytes(), fixed.integration_id_bytes()});
      }
      ev.occurred_at = fixed.occurred_at_us();
      ev.deleted_at = fixed.deleted_at_us();
      ev.created_at = fixed.created_at_us();
      ev.updated_at = fixed.updated_at_us();
      ev.goal_value_cents = fixed.goal_value_cents();
      ev.seq = fixed.seq();
      ev.contact_pos = staged_event.contact_pos;
      ev.goal_type = static_cast<GoalType>(fixed.goal_type());
      ev.insert_entry_derived = fixed.insert_entry_derived();
      // The contact belongs to either contact-pass thread; its slots here are this event's
      // alone, and the contact pass is over.
      *staged_event.slot = entry;
      if (staged_event.derived != nullptr) staged_event.derived->content = entry;
      if (ev.live()) live[staged_event.name].emplace_back(ev.occurred_at, entry);
      ++count;
    }
  }
  stripe.events_count.fetch_add(count, std::memory_order_relaxed);
  const auto index_order = [](const std::pair<TimeUs, const EventEntry*>& a,
                              const std::pair<TimeUs, const EventEntry*>& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second->first.external_id > b.second->first.external_id;
  };
  for (auto& [name, items] : live) {
    std::sort(items.begin(), items.end(), index_order);
    stripe.by_name[name].AppendSorted(items);
  }
  return Status::Ok();
}

// The event pass over the key stripes with this parity. A stripe's staged events are freed as
// soon as it is built, so that the stripes built after it reuse their memory instead of
// faulting in fresh pages.
Status LoadEvents(const std::vector<PendingChunk>& pending, const std::vector<WorkspaceLoad>& loads,
                  std::array<StagedEvents, kSnapshotLoadThreads>& staged, unsigned parity) {
  // A duplicate key is reported at the first contacts chunk: the staged event no longer knows
  // its chunk, and the file is refused either way.
  const SnapshotChunk* const first = &pending.front().chunk;
  for (std::size_t w = 0; w < loads.size(); ++w) {
    for (unsigned s = parity; s < kStripeCount; s += kSnapshotLoadThreads) {
      std::array<const std::vector<StagedEvent>*, kSnapshotLoadThreads> of_stripe{};
      for (unsigned t = 0; t < kSnapshotLoadThreads; ++t) {
        of_stripe[t] = &staged[t][w * kStripeCount + s];
      }
      TALLY_RETURN_IF_ERROR(LoadStripeEvents(&first, loads[w].ws->stripes[s], of_stripe));
      for (unsigned t = 0; t < kSnapshotLoadThreads; ++t) {
        std::vector<StagedEvent>().swap(staged[t][w * kStripeCount + s]);
      }
    }
  }
  return Status::Ok();
}

// Runs `pass(parity)` on this thread and a helper, one parity each, and returns the first
// failure.
template <typename Pass>
Status OnBothThreads(const Pass& pass) {
  static_assert(kSnapshotLoadThreads == 2);
  Status other;
  std::thread helper([&] { other = pass(1); });
  const Status mine = pass(0);
  helper.join();
  TALLY_RETURN_IF_ERROR(mine);
  return other;
}

}  // namespace

Result<LoadedSnapshot> LoadSnapshot(const std::filesystem::path& file, StringInterner& interner,
                                    const SnapshotProgress& progress) {
  TALLY_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotFileReader> reader,
                         SnapshotFileReader::Open(file));
  LoadedSnapshot out;
  out.header = reader->header();
  // The check pass: every chunk's checksum and structure, the content hash and the counts,
  // before anything is built from the contacts (workspaces, segments and the schedule are
  // small and built as they come).
  SnapshotChunkChecker checker(out.header);
  std::vector<WorkspaceLoad> loads;
  std::vector<PendingChunk> pending;
  for (;;) {
    TALLY_ASSIGN_OR_RETURN(std::optional<SnapshotChunk> chunk, reader->Next());
    if (!chunk) break;
    TALLY_RETURN_IF_ERROR(checker.Check(*chunk));
    switch (chunk->kind) {
      case SnapshotChunkKind::kWorkspace:
        loads.emplace_back();
        TALLY_RETURN_IF_ERROR(LoadWorkspace(*chunk, out, loads.back()));
        break;
      case SnapshotChunkKind::kContacts:
        CountChunk(*chunk, loads.back());
        pending.push_back({*chunk, loads.size() - 1});
        break;
      case SnapshotChunkKind::kSchedule: {
        const auto& s = *flatbuffers::GetRoot<fbs::ScheduleChunk>(chunk->body.data());
        TextCursor text(*s.text());
        for (const fbs::ScheduledFixed* entry : *s.entries()) {
          loads.back().ws->segments->Schedule(entry->at_us(),
                                              std::string(text.Take(entry->email_bytes())));
        }
        break;
      }
      case SnapshotChunkKind::kErasures: {
        const auto& e = *flatbuffers::GetRoot<fbs::ErasuresChunk>(chunk->body.data());
        for (const fbs::ErasureFixed* mark : *e.erasures()) {
          out.erasures.push_back({mark->lsn(), mark->recorded_at_us()});
        }
        break;
      }
    }
    if (progress) progress(reader->offset(), out.header.file_bytes);
  }
  TALLY_RETURN_IF_ERROR(checker.Finish());

  // The build pass, on two threads: the contact pass split by contact stripe (contacts,
  // memberships, timelines, goal series; events staged by key stripe), then the event pass
  // split by key stripe (event tables, texts, name indexes; the contacts' event lists and
  // derived timeline entries pointed at the events).
  if (pending.empty()) return out;
  for (const WorkspaceLoad& load : loads) Presize(load);
  std::array<StagedEvents, kSnapshotLoadThreads> staged;
  TALLY_RETURN_IF_ERROR(OnBothThreads([&](unsigned parity) {
    return LoadContacts(pending, loads, interner, parity, staged[parity]);
  }));
  TALLY_RETURN_IF_ERROR(
      OnBothThreads([&](unsigned parity) { return LoadEvents(pending, loads, staged, parity); }));
  return out;
}

}  // namespace tally::engine
