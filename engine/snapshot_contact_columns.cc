#include "engine/snapshot_contact_columns.h"

#include <bit>
#include <memory>
#include <utility>
#include <variant>

#include "engine/snapshot_format.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

namespace fbs = tally::schemas::snapshot;

std::uint32_t TextBytes(std::string_view text) {
  TALLY_ASSERT(text.size() <= UINT32_MAX);
  return static_cast<std::uint32_t>(text.size());
}

template <typename Column>
void PrefaultColumn(PagePrefault& prefault, const Column& column) {
  using Element = typename Column::value_type;
  prefault.Ahead(column.data(), column.size() * sizeof(Element),
                 column.capacity() * sizeof(Element));
}

}  // namespace

std::size_t SnapshotChunkColumns::Bytes() const {
  return contacts.size() * sizeof(fbs::ContactFixed) + events.size() * sizeof(fbs::EventFixed) +
         timeline.size() * sizeof(fbs::TimelineFixed) + members.size() * sizeof(fbs::MemberFixed) +
         text.size() + string_bytes;
}

void SnapshotChunkColumns::Clear() {
  contacts.clear();
  events.clear();
  timeline.clear();
  members.clear();
  strings.clear();
  owned_strings.clear();
  interned_index.clear();
  string_index.clear();
  string_bytes = 0;
  text.clear();
}

SnapshotContactEncoder::SnapshotContactEncoder(const SnapshotSegmentsByOrdinal& by_ordinal,
                                               unsigned stripe, std::size_t chunk_bytes_target)
    : by_ordinal_(by_ordinal), stripe_(stripe), chunk_bytes_target_(chunk_bytes_target) {
  TALLY_ASSERT(stripe < kStripeCount);
  TALLY_ASSERT(chunk_bytes_target > 0 && chunk_bytes_target <= kSnapshotChunkBytesTarget);
}

void SnapshotContactEncoder::Reserve() {
  // Every column gets room for a whole chunk: untouched capacity costs address space only.
  const std::size_t bytes = chunk_bytes_target_;
  open_.contacts.reserve(bytes / sizeof(fbs::ContactFixed));
  open_.events.reserve(bytes / sizeof(fbs::EventFixed));
  open_.timeline.reserve(bytes / sizeof(fbs::TimelineFixed));
  open_.members.reserve(bytes / sizeof(fbs::MemberFixed));
  open_.text.reserve(bytes);
}

void SnapshotContactEncoder::PrefaultOpen() {
  PrefaultColumn(prefault_[0], open_.contacts);
  PrefaultColumn(prefault_[1], open_.events);
  PrefaultColumn(prefault_[2], open_.timeline);
  PrefaultColumn(prefault_[3], open_.members);
  PrefaultColumn(prefault_[4], open_.text);
}

void SnapshotContactEncoder::Seal() {
  TALLY_ASSERT(!open_.empty());
  sealed_.push_back(std::move(open_));
  if (spare_.empty()) {
    open_ = SnapshotChunkColumns();
  } else {
    open_ = std::move(spare_.back());
    spare_.pop_back();
  }
  TALLY_ASSERT(open_.empty());
  Reserve();
}

void SnapshotContactEncoder::ContinueIfFull() {
  if (open_.Bytes() < chunk_bytes_target_) return;
  Seal();
  PrefaultOpen();
  SnapshotChunkColumns::Contact continuation;
  continuation.continued = true;
  open_.contacts.push_back(continuation);
}

std::uint32_t SnapshotContactEncoder::StringIndex(std::string_view text) {
  if (const auto it = open_.string_index.find(text); it != open_.string_index.end()) {
    return it->second;
  }
  // The view must outlive the contact it came from (a segment timeline entry's id).
  const std::string_view owned = open_.owned_strings.emplace_back(text);
  const auto index = static_cast<std::uint32_t>(open_.strings.size());
  open_.strings.push_back(owned);
  open_.string_bytes += owned.size() + 8;
  open_.string_index.emplace(owned, index);
  return index;
}

std::uint32_t SnapshotContactEncoder::InternedIndex(const std::string* interned) {
  // Interned strings are compared by address: most events share a few names.
  const auto [it, inserted] =
      open_.interned_index.try_emplace(interned, static_cast<std::uint32_t>(open_.strings.size()));
  if (inserted) {
    open_.strings.push_back(*interned);
    open_.string_bytes += interned->size() + 8;
  }
  return it->second;
}

void SnapshotContactEncoder::AddEvent(const EventEntry& entry) {
  const EventState& ev = entry.second;
  const std::string_view external_id = entry.first.external_id;
  const std::string_view properties = ev.properties_json.view();
  const std::string_view integration = ev.integration_id.view();
  open_.events.emplace_back(
      ev.occurred_at, ev.deleted_at, ev.created_at, ev.updated_at, ev.goal_value_cents, ev.seq,
      InternedIndex(entry.first.event_name), InternedIndex(ev.source),
      ev.goal_name == nullptr ? kSnapshotNoString : InternedIndex(ev.goal_name),
      TextBytes(external_id), TextBytes(properties), TextBytes(integration),
      static_cast<std::uint8_t>(ev.goal_type), ev.integration_id.present(),
      ev.insert_entry_derived);
  open_.text.append(external_id);
  open_.text.append(properties);
  open_.text.append(integration);
  ++open_.contacts.back().events;
}

void SnapshotContactEncoder::AddTimelineItem(const TimelineItem& item) {
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
  open_.timeline.emplace_back(item.created_at, item.id, item.db_created_at, version, matched_at,
                              ref, TextBytes(text_a), TextBytes(text_b), kind, operation);
  open_.text.append(text_a);
  open_.text.append(text_b);
  ++open_.contacts.back().timeline_items;
}

void SnapshotContactEncoder::CopyMembers(const ContactEntry& contact,
                                         std::vector<fbs::MemberFixed>& members) const {
  for (std::uint64_t bits = contact.second.segment_bits; bits != 0; bits &= bits - 1) {
    const auto ordinal = static_cast<unsigned>(std::countr_zero(bits));
    const SavedSegment* segment = by_ordinal_[ordinal];
    TALLY_ASSERT_MSG(segment != nullptr, "a membership bit without a live segment");
    const auto member = segment->members[stripe_].find(contact.first);
    TALLY_ASSERT_MSG(member != segment->members[stripe_].end(), "a membership bit without member");
    members.emplace_back(member->second.version, member->second.matched_at,
                         member->second.computed_at);
  }
}

std::size_t SnapshotContactEncoder::Add(const ContactEntry& contact) {
  members_scratch_.clear();
  CopyMembers(contact, members_scratch_);
  return Add(contact, members_scratch_);
}

std::size_t SnapshotContactEncoder::Add(const ContactEntry& contact,
                                        std::span<const fbs::MemberFixed> members) {
  TALLY_ASSERT(ContactStripe(contact.first) == stripe_);
  const ContactState& c = contact.second;
  TALLY_ASSERT(members.size() == static_cast<std::size_t>(std::popcount(c.segment_bits)));
  if (open_.contacts.capacity() == 0) Reserve();
  if (open_.Bytes() >= chunk_bytes_target_) Seal();
  PrefaultOpen();
  SnapshotChunkColumns::Contact head;
  head.created_at = c.created_at;
  head.updated_at = c.updated_at;
  head.segment_boundary = c.segment_boundary;
  head.segment_bits = c.segment_bits;
  head.email_bytes = TextBytes(contact.first);
  head.exists = c.exists;
  open_.contacts.push_back(head);
  open_.text.append(contact.first);
  open_.members.insert(open_.members.end(), members.begin(), members.end());
  // A contact's events live in their key stripes' pools and their texts in arenas, scattered
  // in memory: ask for all of them at once rather than missing the cache event after event.
  for (const EventEntry* entry : c.events) __builtin_prefetch(entry);
  for (const EventEntry* entry : c.events) {
    __builtin_prefetch(entry->first.external_id.data());
    __builtin_prefetch(entry->second.properties_json.view().data());
  }
  for (const EventEntry* entry : c.events) {
    ContinueIfFull();
    AddEvent(*entry);
  }
  for (const TimelineItem& item : c.timeline) {
    ContinueIfFull();
    AddTimelineItem(item);
  }
  return 1 + c.events.size() + c.timeline.size();
}

std::vector<SnapshotChunkColumns> SnapshotContactEncoder::TakeSealed() {
  return std::exchange(sealed_, {});
}

std::vector<SnapshotChunkColumns> SnapshotContactEncoder::TakeAll() {
  if (!open_.empty()) Seal();
  return TakeSealed();
}

void SnapshotContactEncoder::Recycle(SnapshotChunkColumns&& columns) {
  columns.Clear();
  spare_.push_back(std::move(columns));
}

Status WriteContactsChunk(SnapshotFileWriter& writer, flatbuffers::FlatBufferBuilder& builder,
                          const SnapshotChunkColumns& columns, unsigned stripe,
                          SnapshotHeader& counts) {
  TALLY_ASSERT(!columns.empty());
  builder.Clear();
  std::vector<fbs::ContactFixed> contacts;
  contacts.reserve(columns.contacts.size());
  for (const SnapshotChunkColumns::Contact& p : columns.contacts) {
    contacts.emplace_back(p.created_at, p.updated_at, p.segment_boundary, p.segment_bits,
                          p.email_bytes, p.events, p.timeline_items, p.exists, p.continued);
    counts.contacts += p.exists ? 1 : 0;
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> strings;
  strings.reserve(columns.strings.size());
  for (std::string_view s : columns.strings) {
    strings.push_back(builder.CreateString(s.data(), s.size()));
  }
  const auto strings_vector = builder.CreateVector(strings);
  const auto contacts_vector = builder.CreateVectorOfStructs(contacts);
  const auto events_vector = builder.CreateVectorOfStructs(columns.events);
  const auto timeline_vector = builder.CreateVectorOfStructs(columns.timeline);
  const auto members_vector = builder.CreateVectorOfStructs(columns.members);
  const auto text_vector = builder.CreateVector(
      reinterpret_cast<const std::uint8_t*>(columns.text.data()), columns.text.size());
  builder.Finish(fbs::CreateContactsChunk(builder, stripe, strings_vector, contacts_vector,
                                          events_vector, timeline_vector, members_vector,
                                          text_vector));
  counts.events += columns.events.size();
  counts.timeline_entries += columns.timeline.size();
  return writer.AppendChunk(SnapshotChunkKind::kContacts,
                            {builder.GetBufferPointer(), builder.GetSize()});
}

}  // namespace tally::engine
