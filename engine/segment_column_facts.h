// SegmentColumnFacts: the ContactFacts of one stored contact that decides goal leaves from the
// goal columns of its stripe (engine/goal_columns.h) whenever they can, and otherwise reads the
// contact's goal series and timeline as SegmentContactFacts does.
//
// A goal leaf is false when the contact has no row in the column of its goal type (no live
// event of that type). A leaf without a goal_name is decided by that row when
// - the timeframe holds the row's [oldest, newest]: every event counts, the anytime aggregate;
// - the timeframe holds neither end and misses the interval between them: no event counts;
// - it is a count, one end of [oldest, newest] is inside and the other outside (so
//   1 ≤ matched ≤ count − 1), and the comparison holds at both bounds or lies wholly beyond
//   them (`count ≥ 1 in the last N days` is `newest` inside the window);
// - it is an avg, min or max: those lie in the row's [min, max] whatever events the range
//   holds, so a comparison that fails on all of [min, max] is false, and one that holds on all
//   of it is true when the range surely holds a valued event (an end is inside and every event
//   has a value).
// Otherwise the aggregate is computed from the series, reached through the row.
//
// Thread safety: the caller holds the contact's stripe (shared at least) while the object is
// used; the interner is thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "engine/goal_columns.h"
#include "engine/segment_contact_facts.h"
#include "engine/segment_eval.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"

namespace tally::engine {

// The answer of a goal leaf without a goal_name for the contact of `row` (a live row of the
// leaf's column), or nullopt when only the series can tell. O(1).
std::optional<bool> DecideGoalLeafFromRow(const GoalLeaf& leaf, const GoalColumn& column,
                                          std::uint32_t row, const TimeRange& range);

class SegmentColumnFacts final : public ContactFacts {
 public:
  // `columns` are the goal columns of the contact's stripe.
  SegmentColumnFacts(const GoalColumns& columns, const ContactEntry& contact,
                     const StringInterner& interner)
      : columns_(columns), contact_(contact), series_facts_(contact.second, interner) {}

  // The same, when the caller scans column `known_column` and the contact's row in it is
  // `known_row`: leaves of that column then never read the contact itself.
  SegmentColumnFacts(const GoalColumns& columns, const ContactEntry& contact,
                     const StringInterner& interner, std::size_t known_column,
                     std::uint32_t known_row)
      : columns_(columns),
        contact_(contact),
        series_facts_(contact.second, interner),
        known_column_(known_column),
        known_row_(known_row) {}

  std::optional<bool> DecideGoalLeaf(const GoalLeaf& leaf, const TimeRange& range) const override;
  AggregateValue GoalAggregate(const GoalLeaf& leaf, const TimeRange& range) const override;
  std::optional<TimeUs> NextGoalTimeAfter(const GoalLeaf& leaf, TimeUs t) const override {
    return series_facts_.NextGoalTimeAfter(leaf, t);
  }
  std::uint64_t TimelineCount(const TimelineLeaf& leaf, const TimeRange& range) const override {
    return series_facts_.TimelineCount(leaf, range);
  }
  std::optional<TimeUs> NextTimelineTimeAfter(const TimelineLeaf& leaf, TimeUs t) const override {
    return series_facts_.NextTimelineTimeAfter(leaf, t);
  }

 private:
  // The contact's row in `column`, or nullopt when it has no live event of its goal type.
  std::optional<std::uint32_t> Row(std::size_t column) const;

  const GoalColumns& columns_;
  const ContactEntry& contact_;
  SegmentContactFacts series_facts_;
  std::size_t known_column_ = kGoalColumnCount;  // none
  std::uint32_t known_row_ = 0;
};

}  // namespace tally::engine
