#include "engine/snapshot_encoder.h"

#include <array>
#include <bit>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/segment_registry.h"
#include "engine/snapshot_file_writer.h"
#include "engine/snapshot_format.h"
#include "log/assert.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {
namespace {

namespace fbs = tally::schemas::snapshot;

// A contact entry whose counts grow as its events and timeline items are added.
struct PendingContact {
  TimeUs created_at = 0;
  TimeUs updated_at = 0;
  TimeUs segment_boundary = 0;
  std::uint64_t segment_bits = 0;
  std::uint32_t email_bytes = 0;
  std::uint32_t events = 0;
  std::uint32_t timeline_items = 0;
  bool exists = false;
  bool continued = false;
};

// Builds the ContactsChunks of one stripe, writing each once it reaches the target size.
class ContactsChunkBuilder {
 public:
  ContactsChunkBuilder(SnapshotFileWriter& writer, SnapshotHeader& counts,
                       const SnapshotBytesWritten& progress)
      : writer_(writer), counts_(counts), progress_(progress) {}

  // The live segments of the contacts' workspace by ordinal, and the stripe they are in.
  void Begin(const std::array<const SavedSegment*, kSegmentsPerWorkspaceMax>* by_ordinal,
             unsigned stripe) {
    TALLY_ASSERT(contacts_.empty());
    by_ordinal_ = by_ordinal;
    stripe_ = stripe;
  }

  Status AddContact(const ContactEntry& contact);

  // Writes the pending chunk, if any.
  Status Flush();

 private:
  std::size_t Bytes() const {
    return contacts_.size() * sizeof(fbs::ContactFixed) + events_.size() * sizeof(fbs::EventFixed) +
           timeline_.size() * sizeof(fbs::TimelineFixed) +
           members_.size() * sizeof(fbs::MemberFixed) + text_.size() + string_bytes_;
  }
  // Before an event or a timeline item: a full chunk is written and the contact continues in
  // the next one.
  Status ContinueIfFull();
  std::uint32_t StringIndex(std::string_view text);
  std::uint32_t InternedIndex(const std::string* interned);
  void AddText(std::string_view text) { text_.append(text); }
  void AddEvent(const EventEntry& entry);
  void AddTimelineItem(const TimelineItem& item);

  SnapshotFileWriter& writer_;
  SnapshotHeader& counts_;
  const SnapshotBytesWritten& progress_;
  const std::array<const SavedSegment*, kSegmentsPerWorkspaceMax>* by_ordinal_ = nullptr;
  unsigned stripe_ = 0;

  std::vector<std::string_view> strings_;
  std::size_t string_bytes_ = 0;
  std::unordered_map<std::string_view, std::uint32_t> string_index_;
  std::unordered_map<const std::string*, std::uint32_t> interned_index_;
  std::vector<PendingContact> contacts_;
  std::vector<fbs::EventFixed> events_;
  std::vector<fbs::TimelineFixed> timeline_;
  std::vector<fbs::MemberFixed> members_;
  std::string text_;
  flatbuffers::FlatBufferBuilder builder_;
};

std::uint32_t TextBytes(std::string_view text) {
  TALLY_ASSERT(text.size() <= UINT32_MAX);
  return static_cast<std::uint32_t>(text.size());
}

std::uint32_t ContactsChunkBuilder::StringIndex(std::string_view text) {
  const auto [it, inserted] =
      string_index_.try_emplace(text, static_cast<std::uint32_t>(strings_.size()));
  if (inserted) {
    strings_.push_back(text);
    string_bytes_ += text.size() + 8;
  }
  return it->second;
}

std::uint32_t ContactsChunkBuilder::InternedIndex(const std::string* interned) {
  // Interned strings are compared by address first: most events share a few names.
  const auto it = interned_index_.find(interned);
  if (it != interned_index_.end()) return it->second;
  const std::uint32_t index = StringIndex(*interned);
  interned_index_.emplace(interned, index);
  return index;
}

Status ContactsChunkBuilder::ContinueIfFull() {
  if (Bytes() < kSnapshotChunkBytesTarget) return Status::Ok();
  TALLY_RETURN_IF_ERROR(Flush());
  PendingContact continuation;
  continuation.continued = true;
  contacts_.push_back(continuation);
  return Status::Ok();
}

void ContactsChunkBuilder::AddEvent(const EventEntry& entry) {
  const EventState& ev = entry.second;
  const std::string_view external_id = entry.first.external_id;
  const std::string_view properties = ev.properties_json.view();
  const std::string_view integration = ev.integration_id.view();
  events_.emplace_back(ev.occurred_at, ev.deleted_at, ev.created_at, ev.updated_at,
                       ev.goal_value_cents, ev.seq, InternedIndex(entry.first.event_name),
                       InternedIndex(ev.source),
                       ev.goal_name == nullptr ? kSnapshotNoString : InternedIndex(ev.goal_name),
                       TextBytes(external_id), TextBytes(properties), TextBytes(integration),
                       static_cast<std::uint8_t>(ev.goal_type), ev.integration_id.present(),
                       ev.insert_entry_derived);
  AddText(external_id);
  AddText(properties);
  AddText(integration);
  ++contacts_.back().events;
}

void ContactsChunkBuilder::AddTimelineItem(const TimelineItem& item) {
  fbs::TimelineItemKind kind = fbs::TimelineItemKind::ContactCreated;
  std::uint32_t ref = 0;
  std::int64_t version = 0;
  TimeUs matched_at = 0;
  std::uint8_t operation = 0;
  std::string_view text_a;
  std::string_view text_b;
  if (const auto* derived = std::get_if<const EventEntry*>(&item.content)) {
    kind = fbs::TimelineItemKind::Derived;
    ref = (*derived)->second.contact_pos;
  } else if (const auto* frozen =
                 std::get_if<std::unique_ptr<FrozenTimelineEntry>>(&item.content)) {
    kind = fbs::TimelineItemKind::Frozen;
    ref = InternedIndex((*frozen)->event_name);
    operation = static_cast<std::uint8_t>((*frozen)->operation);
    text_a = (*frozen)->external_id;
    text_b = (*frozen)->changes_json;
  } else if (const auto* segment =
                 std::get_if<std::unique_ptr<SegmentTimelineEntry>>(&item.content)) {
    kind = (*segment)->joined ? fbs::TimelineItemKind::SegmentJoined
                              : fbs::TimelineItemKind::SegmentLeft;
    ref = StringIndex((*segment)->segment_id);
    version = (*segment)->version;
    matched_at = (*segment)->matched_at;
  }
  timeline_.emplace_back(item.created_at, item.id, item.db_created_at, version, matched_at, ref,
                         TextBytes(text_a), TextBytes(text_b), kind, operation);
  AddText(text_a);
  AddText(text_b);
  ++contacts_.back().timeline_items;
}

Status ContactsChunkBuilder::AddContact(const ContactEntry& contact) {
  const ContactState& c = contact.second;
  if (Bytes() >= kSnapshotChunkBytesTarget) TALLY_RETURN_IF_ERROR(Flush());
  PendingContact pending;
  pending.created_at = c.created_at;
  pending.updated_at = c.updated_at;
  pending.segment_boundary = c.segment_boundary;
  pending.segment_bits = c.segment_bits;
  pending.email_bytes = TextBytes(contact.first);
  pending.exists = c.exists;
  contacts_.push_back(pending);
  AddText(contact.first);
  for (std::uint64_t bits = c.segment_bits; bits != 0; bits &= bits - 1) {
    const auto ordinal = static_cast<unsigned>(std::countr_zero(bits));
    const SavedSegment* segment = (*by_ordinal_)[ordinal];
    TALLY_ASSERT_MSG(segment != nullptr, "a membership bit without a live segment");
    const auto member = segment->members[stripe_].find(contact.first);
    TALLY_ASSERT_MSG(member != segment->members[stripe_].end(), "a membership bit without member");
    members_.emplace_back(member->second.version, member->second.matched_at,
                          member->second.computed_at);
  }
  for (const EventEntry* entry : c.events) {
    TALLY_RETURN_IF_ERROR(ContinueIfFull());
    AddEvent(*entry);
  }
  for (const TimelineItem& item : c.timeline) {
    TALLY_RETURN_IF_ERROR(ContinueIfFull());
    AddTimelineItem(item);
  }
  counts_.contacts += c.exists ? 1 : 0;
  counts_.events += c.events.size();
  counts_.timeline_entries += c.timeline.size();
  return Status::Ok();
}

Status ContactsChunkBuilder::Flush() {
  if (contacts_.empty()) return Status::Ok();
  builder_.Clear();
  std::vector<fbs::ContactFixed> contacts;
  contacts.reserve(contacts_.size());
  for (const PendingContact& p : contacts_) {
    contacts.emplace_back(p.created_at, p.updated_at, p.segment_boundary, p.segment_bits,
                          p.email_bytes, p.events, p.timeline_items, p.exists, p.continued);
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> strings;
  strings.reserve(strings_.size());
  for (std::string_view s : strings_) strings.push_back(builder_.CreateString(s.data(), s.size()));
  const auto strings_vector = builder_.CreateVector(strings);
  const auto contacts_vector = builder_.CreateVectorOfStructs(contacts);
  const auto events_vector = builder_.CreateVectorOfStructs(events_);
  const auto timeline_vector = builder_.CreateVectorOfStructs(timeline_);
  const auto members_vector = builder_.CreateVectorOfStructs(members_);
  const auto text_vector =
      builder_.CreateVector(reinterpret_cast<const std::uint8_t*>(text_.data()), text_.size());
  builder_.Finish(fbs::CreateContactsChunk(builder_, stripe_, strings_vector, contacts_vector,
                                           events_vector, timeline_vector, members_vector,
                                           text_vector));
  TALLY_RETURN_IF_ERROR(writer_.AppendChunk(SnapshotChunkKind::kContacts,
                                            {builder_.GetBufferPointer(), builder_.GetSize()}));
  if (progress_) progress_(writer_.offset());
  strings_.clear();
  string_bytes_ = 0;
  string_index_.clear();
  interned_index_.clear();
  contacts_.clear();
  events_.clear();
  timeline_.clear();
  members_.clear();
  text_.clear();
  return Status::Ok();
}

Status WriteWorkspaceChunk(SnapshotFileWriter& writer, const SnapshotWorkspaceSource& source) {
  flatbuffers::FlatBufferBuilder b(4096);
  std::vector<flatbuffers::Offset<fbs::SavedSegment>> segments;
  for (const auto& segment : source.segments) {
    const SegmentInput& d = segment->definition;
    segments.push_back(fbs::CreateSavedSegment(
        b, b.CreateString(d.id), b.CreateString(d.name), b.CreateString(d.color),
        b.CreateString(d.tree_json), b.CreateString(d.timezone), segment->version, segment->ordinal,
        segment->deleted.load(), segment->db_created_at, segment->db_updated_at));
  }
  const auto id = b.CreateString(source.workspace->id);
  b.Finish(fbs::CreateWorkspaceChunk(b, id, b.CreateVector(segments)));
  return writer.AppendChunk(SnapshotChunkKind::kWorkspace, {b.GetBufferPointer(), b.GetSize()});
}

// The workspace's boundary queue, in chunks of at most the target size.
Status WriteScheduleChunks(SnapshotFileWriter& writer, const Workspace& ws) {
  std::vector<fbs::ScheduledFixed> entries;
  std::string text;
  flatbuffers::FlatBufferBuilder b;
  const auto flush = [&]() -> Status {
    if (entries.empty()) return Status::Ok();
    b.Clear();
    const auto entries_vector = b.CreateVectorOfStructs(entries);
    const auto text_vector =
        b.CreateVector(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    b.Finish(fbs::CreateScheduleChunk(b, entries_vector, text_vector));
    entries.clear();
    text.clear();
    return writer.AppendChunk(SnapshotChunkKind::kSchedule, {b.GetBufferPointer(), b.GetSize()});
  };
  Status status;
  ws.segments->ForEachScheduledUnlocked([&](TimeUs at, const std::string& email) {
    if (!status.ok()) return;
    entries.emplace_back(at, TextBytes(email));
    text.append(email);
    if (text.size() + entries.size() * sizeof(fbs::ScheduledFixed) >= kSnapshotChunkBytesTarget) {
      status = flush();
    }
  });
  TALLY_RETURN_IF_ERROR(status);
  return flush();
}

Status WriteErasuresChunk(SnapshotFileWriter& writer, const std::vector<ErasureMark>& marks) {
  std::vector<fbs::ErasureFixed> erasures;
  erasures.reserve(marks.size());
  for (const ErasureMark& mark : marks) erasures.emplace_back(mark.lsn, mark.recorded_at);
  flatbuffers::FlatBufferBuilder b(64 + erasures.size() * sizeof(fbs::ErasureFixed));
  b.Finish(fbs::CreateErasuresChunk(b, b.CreateVectorOfStructs(erasures)));
  return writer.AppendChunk(SnapshotChunkKind::kErasures, {b.GetBufferPointer(), b.GetSize()});
}

}  // namespace

Result<SnapshotHeader> EncodeSnapshot(int fd, const SnapshotSource& source,
                                      const SnapshotBytesWritten& progress) {
  SnapshotFileWriter writer(fd);
  SnapshotHeader header;
  header.lsn = source.lsn;
  header.created_at = source.created_at;
  ContactsChunkBuilder contacts(writer, header, progress);
  for (const SnapshotWorkspaceSource& ws : source.workspaces) {
    TALLY_RETURN_IF_ERROR(WriteWorkspaceChunk(writer, ws));
    ++header.workspaces;
    header.segments += ws.segments.size();
    std::array<const SavedSegment*, kSegmentsPerWorkspaceMax> by_ordinal{};
    for (const auto& segment : ws.segments) {
      if (!segment->deleted) by_ordinal[segment->ordinal] = segment.get();
    }
    for (unsigned s = 0; s < kStripeCount; ++s) {
      contacts.Begin(&by_ordinal, s);
      for (const ContactEntry& contact : ws.workspace->stripes[s].contacts) {
        TALLY_RETURN_IF_ERROR(contacts.AddContact(contact));
      }
      TALLY_RETURN_IF_ERROR(contacts.Flush());
    }
    TALLY_RETURN_IF_ERROR(WriteScheduleChunks(writer, *ws.workspace));
  }
  TALLY_RETURN_IF_ERROR(WriteErasuresChunk(writer, source.erasures));
  TALLY_RETURN_IF_ERROR(writer.Finish(header));
  if (progress) progress(writer.offset());
  return header;
}

std::uint64_t EstimateSnapshotBytes(const SnapshotSource& source) {
  // Typical encoded sizes: an event with short texts, a timeline item, a contact entry.
  constexpr std::uint64_t kEventBytes = 160;
  constexpr std::uint64_t kTimelineItemBytes = 64;
  constexpr std::uint64_t kContactBytes = 80;
  std::uint64_t bytes = kSnapshotHeaderBlockBytes;
  for (const SnapshotWorkspaceSource& ws : source.workspaces) {
    for (const Stripe& stripe : ws.workspace->stripes) {
      bytes += stripe.events_count.load(std::memory_order_relaxed) * kEventBytes +
               stripe.timeline_count.load(std::memory_order_relaxed) * kTimelineItemBytes +
               stripe.contacts_count.load(std::memory_order_relaxed) * kContactBytes;
    }
  }
  return bytes;
}

}  // namespace tally::engine
