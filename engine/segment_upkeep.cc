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
  const unsigned stripe = ContactStripe(contact.first);
  const SegmentContactFacts facts(contact.second, interner);
  for (const std::shared_ptr<SavedSegment>& segment : segments) {
    const TimeUs segment_at = std::max(at, segment->db_updated_at);
    const bool member = segment->members[stripe].contains(contact.first);
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
    segment.members_count.fetch_add(1, std::memory_order_relaxed);
    entry->matched_at = at;
  } else {
    const auto it = members.find(contact.first);
    TALLY_ASSERT(it != members.end());
    members.erase(it);
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

void SetSegmentBoundary(SegmentRegistry& registry, const ContactEntry& contact,
                        std::optional<TimeUs> boundary) {
  auto& boundaries = registry.boundaries[ContactStripe(contact.first)];
  if (!boundary) {
    boundaries.erase(contact.first);
    return;
  }
  const auto [it, inserted] = boundaries.try_emplace(contact.first, *boundary);
  // An unchanged boundary is already queued.
  if (!inserted && it->second == *boundary) return;
  it->second = *boundary;
  registry.Schedule(*boundary, contact.first);
}

void LowerSegmentBoundary(SegmentRegistry& registry, const ContactEntry& contact, TimeUs boundary) {
  auto& boundaries = registry.boundaries[ContactStripe(contact.first)];
  const auto [it, inserted] = boundaries.try_emplace(contact.first, boundary);
  if (!inserted && it->second <= boundary) return;
  it->second = boundary;
  registry.Schedule(boundary, contact.first);
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
  registry.boundaries[stripe].erase(std::string(email));
}

}  // namespace tally::engine
