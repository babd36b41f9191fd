#include "engine/segment_upkeep.h"

#include <algorithm>

#include "engine/segment_contact_facts.h"
#include "engine/segment_eval.h"
#include "engine/timeline.h"
#include "log/assert.h"

namespace tally::engine {

std::uint64_t SegmentTimelineId(log::Lsn lsn, unsigned ordinal) {
  static_assert(kSegmentTimelineSlotBase + kSegmentsPerWorkspaceMax <= 256);
  TALLY_ASSERT(lsn < (std::uint64_t{1} << 56) && ordinal < kSegmentsPerWorkspaceMax);
  return lsn << 8 | (kSegmentTimelineSlotBase + ordinal);
}

ContactSegmentsEvaluation EvaluateContactSegments(const SegmentList& segments,
                                                  const ContactEntry& contact,
                                                  const StringInterner& interner, TimeUs at) {
  ContactSegmentsEvaluation out;
  const SegmentContactFacts facts(contact.second, interner);
  for (const std::shared_ptr<SavedSegment>& segment : segments) {
    const TimeUs segment_at = std::max(at, segment->db_updated_at);
    const bool member = (contact.second.segment_bits >> segment->ordinal & 1) != 0;
    const bool matches =
        contact.second.exists && EvaluateSegment(*segment->tree, facts, segment_at);
    if (matches != member) out.changes.push_back({segment, matches});
    if (!contact.second.exists) continue;
    const std::optional<TimeUs> boundary = NextSegmentBoundary(*segment->tree, facts, segment_at);
    if (boundary && (!out.next_boundary || *boundary < *out.next_boundary)) {
      out.next_boundary = boundary;
    }
  }
  return out;
}

void ApplySegmentChange(Workspace& ws, ContactEntry& contact, const SegmentChange& change,
                        TimeUs at, TimeUs recorded_at, log::Lsn lsn) {
  SavedSegment& segment = *change.segment;
  const unsigned stripe = ContactStripe(contact.first);
  auto& members = segment.members[stripe];
  auto entry = std::make_unique<SegmentTimelineEntry>();
  entry->segment_id = segment.definition.id;
  entry->version = segment.version;
  entry->joined = change.joined;
  if (change.joined) {
    const bool inserted =
        members.emplace(contact.first, SegmentMember{segment.version, at, at}).second;
    TALLY_ASSERT(inserted);
    contact.second.segment_bits |= std::uint64_t{1} << segment.ordinal;
    segment.members_count.fetch_add(1, std::memory_order_relaxed);
    entry->matched_at = at;
  } else {
    const auto it = members.find(contact.first);
    TALLY_ASSERT(it != members.end());
    members.erase(it);
    contact.second.segment_bits &= ~(std::uint64_t{1} << segment.ordinal);
    segment.members_count.fetch_sub(1, std::memory_order_relaxed);
  }
  TimelineItem item;
  item.created_at = at;
  item.id = SegmentTimelineId(lsn, segment.ordinal);
  item.db_created_at = recorded_at;
  item.content = std::move(entry);
  AddTimelineItem(contact.second, std::move(item));
  ws.stripes[stripe].timeline_count.fetch_add(1, std::memory_order_relaxed);
}

void SetSegmentBoundary(SegmentRegistry& registry, ContactEntry& contact,
                        std::optional<TimeUs> boundary) {
  TimeUs& current = contact.second.segment_boundary;
  if (!boundary) {
    current = kNoTime;
    return;
  }
  // An unchanged boundary is already queued.
  if (current == *boundary) return;
  current = *boundary;
  registry.Schedule(*boundary, std::string(contact.first.view()));
}

void LowerSegmentBoundary(SegmentRegistry& registry, ContactEntry& contact, TimeUs boundary) {
  TimeUs& current = contact.second.segment_boundary;
  if (current != kNoTime && current <= boundary) return;
  current = boundary;
  registry.Schedule(boundary, std::string(contact.first.view()));
}

void ReevaluateContactSegments(Workspace& ws, SegmentRegistry& registry,
                               const StringInterner& interner, ContactEntry& contact,
                               TimeUs recorded_at, log::Lsn lsn) {
  const std::shared_ptr<const SegmentList> live = registry.Live();
  if (live->empty()) return;
  const ContactSegmentsEvaluation evaluation =
      EvaluateContactSegments(*live, contact, interner, recorded_at);
  for (const SegmentChange& change : evaluation.changes) {
    ApplySegmentChange(ws, contact, change, recorded_at, recorded_at, lsn);
  }
  SetSegmentBoundary(registry, contact, evaluation.next_boundary);
}

void ForgetContactSegments(SegmentRegistry& registry, std::string_view email) {
  const unsigned stripe = ContactStripe(email);
  for (const std::shared_ptr<SavedSegment>& segment : *registry.Live()) {
    if (segment->members[stripe].erase(std::string(email)) == 1) {
      segment->members_count.fetch_sub(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace tally::engine
