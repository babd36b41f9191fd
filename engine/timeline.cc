#include "engine/timeline.h"

#include <algorithm>
#include <cstdio>

#include "engine/event_view.h"
#include "engine/time_format.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

bool ItemLess(const TimelineItem& a, const TimelineItem& b) {
  return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
}

std::string_view OperationName(TimelineOperation op) {
  switch (op) {
    case TimelineOperation::kInsert: return "insert";
    case TimelineOperation::kUpdate: return "update";
    case TimelineOperation::kDelete: return "delete";
    case TimelineOperation::kRestore: return "restore";
  }
  TALLY_ASSERT_MSG(false, "unknown timeline operation");
}

}  // namespace

std::uint64_t TimelineId(log::Lsn lsn, unsigned position, TimelineSlot slot) {
  TALLY_ASSERT(lsn < (std::uint64_t{1} << 56));
  const unsigned low = position * kTimelineSlotsPerEvent + static_cast<unsigned>(slot);
  TALLY_ASSERT(low < 256);
  return lsn << 8 | low;
}

std::string FormatTimelineId(std::uint64_t id) {
  // 8-4-4-4-12 hex: the id fills the first three groups, the fourth carries the RFC 4122
  // variant bits, the fifth is zero. Fixed width keeps string order equal to id order.
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-8000-000000000000",
                static_cast<unsigned>(id >> 32), static_cast<unsigned>((id >> 16) & 0xFFFF),
                static_cast<unsigned>(id & 0xFFFF));
  return buf;
}

void AddTimelineItem(ContactState& contact, TimelineItem item) {
  auto& items = contact.timeline;
  ReserveOneMore(items);
  if (items.empty() || !ItemLess(item, items.back())) {
    items.push_back(std::move(item));
    return;
  }
  const auto at = std::upper_bound(items.begin(), items.end(), item, ItemLess);
  items.insert(at, std::move(item));
}

void FreezeInsertEntry(EventEntry& entry) {
  EventState& ev = entry.second;
  TALLY_ASSERT(ev.insert_entry_derived);
  auto& items = ev.contact->second.timeline;
  // The insert entry's created_at is the event's occurred_at, which has not changed since.
  TimelineItem probe;
  probe.created_at = ev.occurred_at;
  probe.id = ev.seq;
  const auto it = std::lower_bound(items.begin(), items.end(), probe, ItemLess);
  TALLY_ASSERT(it != items.end() && it->id == ev.seq);
  TALLY_ASSERT(std::get<const EventEntry*>(it->content) == &entry);
  it->content = std::make_unique<FrozenTimelineEntry>(
      FrozenTimelineEntry{entry.first.event_name, std::string(entry.first.external_id.view()),
                          InsertChangesJson(FieldsOf(entry)), TimelineOperation::kInsert});
  ev.insert_entry_derived = false;
}

TimelineEntry RenderTimelineEntry(std::string_view email, const TimelineItem& item) {
  TimelineEntry out;
  out.id = FormatTimelineId(item.id);
  out.email = email;
  out.created_at = item.created_at;
  out.db_created_at = item.db_created_at;
  if (std::holds_alternative<std::monostate>(item.content)) {
    out.operation = "insert";
    out.entity_type = "contact";
    out.kind = "contact.created";
    out.changes_json = "null";
    return out;
  }
  if (const auto* segment = std::get_if<std::unique_ptr<SegmentTimelineEntry>>(&item.content)) {
    const SegmentTimelineEntry& s = **segment;
    out.operation = s.joined ? "insert" : "delete";
    out.entity_type = "contact_segment";
    out.kind = s.joined ? "segment.joined" : "segment.left";
    out.entity_id = s.segment_id;
    // Segment ids are [a-z0-9_]+, so they need no JSON escaping.
    out.changes_json =
        R"({"segment_id":")" + s.segment_id + R"(","version":)" + std::to_string(s.version);
    if (s.joined) out.changes_json += R"(,"matched_at":")" + FormatRfc3339(s.matched_at) + "\"";
    out.changes_json += "}";
    return out;
  }
  out.entity_type = "custom_event";
  if (const auto* derived = std::get_if<const EventEntry*>(&item.content)) {
    const EventEntry& entry = **derived;
    out.operation = "insert";
    out.kind = "custom_event." + *entry.first.event_name;
    out.entity_id = entry.first.external_id;
    out.changes_json = InsertChangesJson(FieldsOf(entry));
    return out;
  }
  const FrozenTimelineEntry& frozen = *std::get<std::unique_ptr<FrozenTimelineEntry>>(item.content);
  out.operation = OperationName(frozen.operation);
  out.kind = "custom_event." + *frozen.event_name;
  out.entity_id = frozen.external_id;
  out.changes_json = frozen.changes_json;
  return out;
}

}  // namespace tally::engine
