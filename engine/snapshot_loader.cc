#include "engine/snapshot_loader.h"

#include <array>
#include <bit>
#include <string>
#include <string_view>

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

Status At(std::uint64_t offset, const std::string& what) {
  return Status::Corruption("offset " + std::to_string(offset) + ": " + what);
}

// The workspace being loaded and its live segments by ordinal.
struct WorkspaceLoad {
  Workspace* ws = nullptr;
  std::array<SavedSegment*, kSegmentsPerWorkspaceMax> by_ordinal{};
  ContactEntry* open_contact = nullptr;  // the last contact, which a continuation extends
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
  load = WorkspaceLoad{};
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
  ContactsLoader(const SnapshotChunk& chunk, WorkspaceLoad& load, StringInterner& interner)
      : chunk_(chunk),
        c_(*flatbuffers::GetRoot<fbs::ContactsChunk>(chunk.body.data())),
        load_(load),
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
        TALLY_ASSIGN_OR_RETURN(load_.open_contact, NewContact(*fixed, member));
      }
      TALLY_ASSERT(load_.open_contact != nullptr);
      ContactEntry& contact = *load_.open_contact;
      for (std::uint32_t e = 0; e < fixed->events(); ++e) {
        TALLY_RETURN_IF_ERROR(
            LoadEvent(*c_.events()->Get(static_cast<flatbuffers::uoffset_t>(event++)), contact));
      }
      for (std::uint32_t t = 0; t < fixed->timeline_items(); ++t) {
        TALLY_RETURN_IF_ERROR(LoadTimelineItem(
            *c_.timeline()->Get(static_cast<flatbuffers::uoffset_t>(item++)), contact));
      }
    }
    return Status::Ok();
  }

 private:
  Result<ContactEntry*> NewContact(const fbs::ContactFixed& fixed, std::size_t& member) {
    const std::string_view email = text_.Take(fixed.email_bytes());
    auto [it, inserted] = stripe_.contacts.try_emplace(std::string(email));
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
    if (c.exists) stripe_.contacts_count.fetch_add(1, std::memory_order_relaxed);
    return &*it;
  }

  Status LoadEvent(const fbs::EventFixed& fixed, ContactEntry& contact) {
    const std::string* name = strings_[fixed.event_name()];
    const std::string_view external_id = text_.Take(fixed.external_id_bytes());
    const std::string_view properties = text_.Take(fixed.properties_json_bytes());
    const std::string_view integration = text_.Take(fixed.integration_id_bytes());
    Stripe& key_stripe = ws_.stripes[EventStripe(*name, external_id)];
    auto [it, inserted] = key_stripe.events.try_emplace(EventKey{name, std::string(external_id)});
    if (!inserted) {
      return At(chunk_.offset,
                "event " + *name + "/" + std::string(external_id) + " appears twice");
    }
    EventState& ev = it->second;
    ev.contact = &contact;
    ev.source = strings_[fixed.source()];
    ev.goal_name = fixed.goal_name() == kSnapshotNoString ? nullptr : strings_[fixed.goal_name()];
    ev.properties_json = CompactText(properties);
    if (fixed.has_integration_id()) ev.integration_id = CompactText(integration);
    ev.occurred_at = fixed.occurred_at_us();
    ev.deleted_at = fixed.deleted_at_us();
    ev.created_at = fixed.created_at_us();
    ev.updated_at = fixed.updated_at_us();
    ev.goal_value_cents = fixed.goal_value_cents();
    ev.seq = fixed.seq();
    ev.contact_pos = static_cast<std::uint32_t>(contact.second.events.size());
    ev.goal_type = static_cast<GoalType>(fixed.goal_type());
    ev.insert_entry_derived = fixed.insert_entry_derived();
    contact.second.events.push_back(&*it);
    key_stripe.events_count.fetch_add(1, std::memory_order_relaxed);
    if (ev.live()) {
      key_stripe.by_name[name].Insert(&*it);
      if (ev.goal_type != GoalType::kNone) AddGoalEvent(contact.second, ev);
    }
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
    stripe_.timeline_count.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }

  const SnapshotChunk& chunk_;
  const fbs::ContactsChunk& c_;
  WorkspaceLoad& load_;
  Workspace& ws_;
  Stripe& stripe_;
  TextCursor text_;
  std::vector<const std::string*> strings_;  // the chunk's strings, interned
};

}  // namespace

Result<LoadedSnapshot> LoadSnapshot(const std::filesystem::path& file, StringInterner& interner,
                                    const SnapshotProgress& progress) {
  TALLY_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotFileReader> reader,
                         SnapshotFileReader::Open(file));
  LoadedSnapshot out;
  out.header = reader->header();
  SnapshotChunkChecker checker(out.header);
  WorkspaceLoad load;
  for (;;) {
    TALLY_ASSIGN_OR_RETURN(std::optional<SnapshotChunk> chunk, reader->Next());
    if (!chunk) break;
    TALLY_RETURN_IF_ERROR(checker.Check(*chunk));
    switch (chunk->kind) {
      case SnapshotChunkKind::kWorkspace:
        TALLY_RETURN_IF_ERROR(LoadWorkspace(*chunk, out, load));
        break;
      case SnapshotChunkKind::kContacts:
        TALLY_RETURN_IF_ERROR(ContactsLoader(*chunk, load, interner).Load());
        break;
      case SnapshotChunkKind::kSchedule: {
        const auto& s = *flatbuffers::GetRoot<fbs::ScheduleChunk>(chunk->body.data());
        TextCursor text(*s.text());
        for (const fbs::ScheduledFixed* entry : *s.entries()) {
          load.ws->segments->Schedule(entry->at_us(), std::string(text.Take(entry->email_bytes())));
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
  return out;
}

}  // namespace tally::engine
