// SegmentContactFacts: the ContactFacts of one stored contact — aggregates from its goal index
// (engine/goal_index.h, one GoalSeries per goal type/name filter, O(log n) per leaf) and counts
// from its timeline (sorted by created_at, so O(log n + entries in the timeframe)).
//
// Thread safety: the caller holds the contact's stripe (shared at least) while the object is
// used; the interner is thread safe.
#pragma once

#include <optional>
#include <string_view>

#include "engine/segment_eval.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"

namespace tally::engine {

class SegmentContactFacts final : public ContactFacts {
 public:
  SegmentContactFacts(const ContactState& contact, const StringInterner& interner)
      : contact_(contact), interner_(interner) {}

  AggregateValue GoalAggregate(const GoalLeaf& leaf, const TimeRange& range) const override;
  std::optional<TimeUs> NextGoalTimeAfter(const GoalLeaf& leaf, TimeUs t) const override;
  std::uint64_t TimelineCount(const TimelineLeaf& leaf, const TimeRange& range) const override;
  std::optional<TimeUs> NextTimelineTimeAfter(const TimelineLeaf& leaf, TimeUs t) const override;

 private:
  // The series a goal leaf reads, or null when the contact has no such events.
  const GoalSeries* Series(const GoalLeaf& leaf) const;

  const ContactState& contact_;
  const StringInterner& interner_;
};

// The kind of a stored timeline entry ("contact.created", "custom_event.<name>", ...) matches
// `kind`; compared without building the string.
bool TimelineItemHasKind(const TimelineItem& item, std::string_view kind);

}  // namespace tally::engine
