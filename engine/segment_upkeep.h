// Segment upkeep: keeping a contact's memberships of the saved segments exact (D17) — the
// evaluation of a contact against every live segment, the membership changes it implies, their
// timeline entries (segment.joined / segment.left), and the contact's next time boundary.
//
// The engine calls these right after it applies a record that changes a contact (with the
// record's time), for every contact when a segment is defined, and when a scheduled boundary
// passes (docs/segments.md, "Always-current membership").
// Thread safety: the caller holds the contact's stripe exclusively (and, to define a segment,
// every stripe); the registry's own mutex is a leaf.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/clock.h"
#include "engine/segment_registry.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "log/log.h"

namespace tally::engine {

struct SegmentChange {
  std::shared_ptr<SavedSegment> segment;
  bool joined = false;  // false: left
};

struct ContactSegmentsEvaluation {
  std::vector<SegmentChange> changes;   // in the order of `segments`
  std::optional<TimeUs> next_boundary;  // over every segment; nullopt: time changes nothing
};

// Evaluates `segments` for the contact at `at` against its current memberships. A contact
// that does not exist (D7) matches nothing. A segment defined after `at` is evaluated at its
// definition time instead: its membership was computed then, and nothing before it counts.
ContactSegmentsEvaluation EvaluateContactSegments(const SegmentList& segments,
                                                  const ContactEntry& contact,
                                                  const StringInterner& interner, TimeUs at);

// Applies one change to the segment's members and adds its timeline entry: created_at `at`,
// db_created_at `recorded_at`, id SegmentTimelineId(lsn, ordinal).
void ApplySegmentChange(Workspace& ws, ContactEntry& contact, const SegmentChange& change,
                        TimeUs at, TimeUs recorded_at, log::Lsn lsn);

// Records the contact's next boundary (or that it has none) and queues it.
void SetSegmentBoundary(SegmentRegistry& registry, ContactEntry& contact,
                        std::optional<TimeUs> boundary);

// Moves the contact's next boundary to `boundary` if that is earlier (or it had none).
void LowerSegmentBoundary(SegmentRegistry& registry, ContactEntry& contact, TimeUs boundary);

// Evaluates and applies in one step (what every write does for the contacts it touched).
void ReevaluateContactSegments(Workspace& ws, SegmentRegistry& registry,
                               const StringInterner& interner, ContactEntry& contact,
                               TimeUs recorded_at, log::Lsn lsn);

// Removes an erased contact from every segment's members, without timeline entries (its
// timeline is erased with it; queued boundaries of a contact that no longer exists are dropped
// when popped).
void ForgetContactSegments(SegmentRegistry& registry, std::string_view email);

// Timeline ids of segment entries: LSN << 8 | (kSegmentTimelineSlotBase + ordinal). Event
// entries use the low byte below 4 × kImportEventsMax = 200, so the two never collide, and a
// record changes a contact's membership of one segment at most once.
inline constexpr unsigned kSegmentTimelineSlotBase = 200;
std::uint64_t SegmentTimelineId(log::Lsn lsn, unsigned ordinal);

}  // namespace tally::engine
