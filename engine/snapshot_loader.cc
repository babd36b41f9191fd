#include "engine/snapshot_loader.h"

#include <algorithm>
#include <array>
#include <bit>
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

// The live events a building thread loaded, per workspace, key stripe and event name, for the
// event-name indexes built afterwards.
using NameIndexItem = std::pair<TimeUs, const EventEntry*>;
using NameIndexItems =
    std::vector<std::unordered_map<const std::string*, std::vector<NameIndexItem>>>;

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
  std::string_view Take(std::uint32_t bytes) {
    const std::string_view out(data_, bytes);
    data_ += bytes;
    return out;
  }

 private:
  const char* data_;
};

class ContactsLoader {
 public:
  // `open_contact` is the last contact this thread loaded in the chunk's stripe, which a
  // continued entry extends.
  ContactsLoader(const SnapshotChunk& chunk, const WorkspaceLoad& load, StringInterner& interner,
                 ContactEntry*& open_contact, NameIndexItems::pointer index_items)
      : chunk_(chunk),
        c_(*flatbuffers::GetRoot<fbs::ContactsChunk>(chunk.body.data())),
        index_items_(index_items),
        load_(load),
        open_contact_(open_contact),
        ws_(*load.ws),
        stripe_(ws_.stripes[c_.stripe()]),
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
        TALLY_ASSIGN_OR_RETURN(open_contact_, NewContact(*fixed, member));
      }
      TALLY_ASSERT(open_contact_ != nullptr);
      ContactEntry& contact = *open_contact_;
      // The counts are known: each list is allocated once instead of grown by doubling.
      contact.second.events.reserve(contact.second.events.size() + fixed->events());
      contact.second.timeline.reserve(contact.second.timeline.size() + fixed->timeline_items());
      for (std::uint32_t e = 0; e < fixed->events(); ++e) {
        TALLY_RETURN_IF_ERROR(
            LoadEvent(*c_.events()->Get(static_cast<flatbuffers::uoffset_t>(event++)), contact));
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

  Status LoadEvent(const fbs::EventFixed& fixed, ContactEntry& contact) {
    const std::string* name = strings_[fixed.event_name()];
    const std::string_view external_id = text_.Take(fixed.external_id_bytes());
    const std::string_view properties = text_.Take(fixed.properties_json_bytes());
    const std::string_view integration = text_.Take(fixed.integration_id_bytes());
    Stripe& key_stripe = ws_.stripes[EventStripe(*name, external_id)];
    // The other loading thread may insert into the same key stripe; the contact side (this
    // chunk's stripe) is this thread's alone.
    std::unique_lock key_lock(key_stripe.mu);
    auto [it, inserted] = key_stripe.events.try_emplace(EventKeyView{name, external_id});
    if (!inserted) {
      return At(chunk_.offset,
                "event " + *name + "/" + std::string(external_id) + " appears twice");
    }
    // The entry's address is taken under the lock: resolving the iterator reads the table's
    // chunk list, which the other thread's inserts may grow once the lock is released.
    EventEntry* const entry = &*it;
    EventState& ev = entry->second;
    ev.contact = &contact;
    ev.source = strings_[fixed.source()];
    ev.goal_name = fixed.goal_name() == kSnapshotNoString ? nullptr : strings_[fixed.goal_name()];
    ev.properties_json = key_stripe.texts.Add(properties);
    if (fixed.has_integration_id()) ev.integration_id = key_stripe.texts.Add(integration);
    ev.occurred_at = fixed.occurred_at_us();
    ev.deleted_at = fixed.deleted_at_us();
    ev.created_at = fixed.created_at_us();
    ev.updated_at = fixed.updated_at_us();
    ev.goal_value_cents = fixed.goal_value_cents();
    ev.seq = fixed.seq();
    ev.contact_pos = static_cast<std::uint32_t>(contact.second.events.size());
    ev.goal_type = static_cast<GoalType>(fixed.goal_type());
    ev.insert_entry_derived = fixed.insert_entry_derived();
    key_stripe.events_count.fetch_add(1, std::memory_order_relaxed);
    key_lock.unlock();
    if (ev.live()) {
      index_items_[&key_stripe - ws_.stripes.data()][name].emplace_back(ev.occurred_at, entry);
    }
    contact.second.events.push_back(entry);
    if (ev.live() && ev.goal_type != GoalType::kNone) AddGoalEvent(stripe_, contact, ev);
    return Status::Ok();
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
        const EventEntry* entry = contact.second.events[fixed.ref()];
        if (!entry->second.insert_entry_derived || entry->second.seq != item.id ||
            entry->second.occurred_at != item.created_at) {
          return At(chunk_.offset, "a derived timeline entry that does not match its event");
        }
        item.content = entry;
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
  NameIndexItems::pointer index_items_;  // this workspace's kStripeCount maps
  const WorkspaceLoad& load_;
  ContactEntry*& open_contact_;
  std::uint64_t contacts_count_ = 0;
  std::uint64_t timeline_count_ = 0;
  Workspace& ws_;
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

// Builds the event-name indexes of the key stripes with this parity from what both building
// threads collected: each name's live events sorted in the index's own order and appended in
// whole blocks.
void BuildNameIndexes(const std::vector<WorkspaceLoad>& loads,
                      std::array<NameIndexItems, kSnapshotLoadThreads>& collected,
                      unsigned parity) {
  const auto index_order = [](const NameIndexItem& a, const NameIndexItem& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second->first.external_id > b.second->first.external_id;
  };
  for (std::size_t w = 0; w < loads.size(); ++w) {
    for (unsigned s = parity; s < kStripeCount; s += kSnapshotLoadThreads) {
      auto& merged = collected[0][w * kStripeCount + s];
      for (unsigned t = 1; t < kSnapshotLoadThreads; ++t) {
        for (auto& [name, items] : collected[t][w * kStripeCount + s]) {
          auto& into = merged[name];
          into.insert(into.end(), items.begin(), items.end());
        }
      }
      for (auto& [name, items] : merged) {
        std::sort(items.begin(), items.end(), index_order);
        loads[w].ws->stripes[s].by_name[name].AppendSorted(items);
      }
    }
  }
}

// Builds the contacts chunks whose stripe has this parity, in file order.
Status BuildChunks(const std::vector<PendingChunk>& pending,
                   const std::vector<WorkspaceLoad>& loads, StringInterner& interner,
                   unsigned parity, NameIndexItems& index_items) {
  index_items.resize(loads.size() * kStripeCount);
  std::array<ContactEntry*, kStripeCount> open{};
  std::size_t workspace = SIZE_MAX;
  for (const PendingChunk& p : pending) {
    const auto& c = *flatbuffers::GetRoot<fbs::ContactsChunk>(p.chunk.body.data());
    if (c.stripe() % kSnapshotLoadThreads != parity) continue;
    if (p.workspace != workspace) {
      workspace = p.workspace;
      open.fill(nullptr);
    }
    TALLY_RETURN_IF_ERROR(ContactsLoader(p.chunk, loads[p.workspace], interner, open[c.stripe()],
                                         index_items.data() + p.workspace * kStripeCount)
                              .Load());
  }
  return Status::Ok();
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

  // The build pass: contacts (and their events) on two threads, split by contact stripe.
  for (const WorkspaceLoad& load : loads) Presize(load);
  Status other;
  std::array<NameIndexItems, kSnapshotLoadThreads> index_items;
  std::thread helper([&] { other = BuildChunks(pending, loads, interner, 1, index_items[1]); });
  const Status mine = BuildChunks(pending, loads, interner, 0, index_items[0]);
  helper.join();
  TALLY_RETURN_IF_ERROR(mine);
  TALLY_RETURN_IF_ERROR(other);
  std::thread index_helper([&] { BuildNameIndexes(loads, index_items, 1); });
  BuildNameIndexes(loads, index_items, 0);
  index_helper.join();
  return out;
}

}  // namespace tally::engine
