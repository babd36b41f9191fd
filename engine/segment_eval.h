// Segment evaluation: whether one contact matches a SegmentTree at a given instant, and the
// next instant at which time alone can change that answer (D17).
//
// The evaluator reads a contact through ContactFacts, so the same code serves the engine (facts
// read from a contact's goal index and timeline under its stripe lock) and the tests (facts
// computed from plain vectors). Leaf semantics (reference §5.3, D15):
// - goal leaf: false unless ≥ 1 live event of the goal type ("*": any type, never events
//   without one) and goal_name (empty: any) lies in the timeframe; then count compares the
//   number of those events, sum the total of their values (events without a value add 0), and
//   avg/min/max the average/minimum/maximum of the values present, false when none has one.
//   Comparisons are exact in hundredths (SegmentValue); between is inclusive at both ends.
// - timeline leaf: the number of timeline entries of `kind` in the timeframe compared with
//   at_least / at_most / exactly; zero counts match like any other.
// - and / or / not as in logic; and/or short-circuit left to right.
//
// Time: only in_the_last_days windows move with "now" (engine/segment_timeframe.h). A window
// (now − W, ∞) loses its oldest member t at now = t + W and gains nobody, so a tree's result
// cannot change before the earliest such instant over its windowed leaves; that instant is
// the next boundary. It may be a boundary at which nothing changes (the oldest event left but
// the aggregate still matches); the caller then evaluates again and asks for the next one.
//
// Pure functions of their arguments; thread safe as far as the ContactFacts is.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/clock.h"
#include "engine/model.h"
#include "engine/segment_tree.h"

namespace tally::engine {

// One contact as a segment tree sees it. Implementations answer for the contact they were
// built for; the leaf identifies the filter (goal_type, goal_name, or kind).
class ContactFacts {
 public:
  virtual ~ContactFacts() = default;

  // The aggregate of the leaf's operator over the contact's live events matching the leaf's
  // goal_type and goal_name whose occurred_at lies in `range`, with GoalSeries::Aggregate's
  // meaning of `matched`, `cents` and `average_cents`.
  virtual AggregateValue GoalAggregate(const GoalLeaf& leaf, const TimeRange& range) const = 0;

  // The smallest occurred_at strictly after `t` among those events, if any.
  virtual std::optional<TimeUs> NextGoalTimeAfter(const GoalLeaf& leaf, TimeUs t) const = 0;

  // The number of the contact's timeline entries of the leaf's kind with created_at in `range`.
  virtual std::uint64_t TimelineCount(const TimelineLeaf& leaf, const TimeRange& range) const = 0;

  // The smallest created_at strictly after `t` among those entries, if any.
  virtual std::optional<TimeUs> NextTimelineTimeAfter(const TimelineLeaf& leaf, TimeUs t) const = 0;

  // A goal leaf's answer when the implementation knows it without computing the aggregate
  // (from precomputed anytime aggregates, engine/segment_column_facts.h), else nullopt. When
  // present it equals GoalLeafMatches(leaf, GoalAggregate(leaf, range)).
  virtual std::optional<bool> DecideGoalLeaf(const GoalLeaf& /*leaf*/,
                                             const TimeRange& /*range*/) const {
    return std::nullopt;
  }
};

// Whether the contact matches `tree` at `now`. O(leaves × the facts' cost).
bool EvaluateSegment(const SegmentTree& tree, const ContactFacts& facts, TimeUs now);
bool EvaluateSegmentNode(const SegmentNode& node, const ContactFacts& facts, TimeUs now);

// Whether an aggregate satisfies a goal leaf's operator and value(s).
bool GoalLeafMatches(const GoalLeaf& leaf, const AggregateValue& aggregate);

// A goal leaf's comparison as the closed interval of amounts it accepts (gte [v, ∞), lte
// (−∞, v], eq [v, v], between [v, v2]), for code that decides many contacts by comparing raw
// aggregates (engine/goal_range_aggregates.h). With ≥ 1 matching event, GoalLeafMatches is:
// - count, sum, min, max: lo_cents ≤ amount ≤ hi_cents, the amount in cents (a count × 100);
//   min and max need a valued event. Empty (lo_cents > hi_cents) for `eq` with a fraction of
//   a cent, or a `between` that holds no whole cent.
// - avg (needs a valued event): lo_average ≤ sum / valued ≤ hi_average, the quotient computed
//   as GoalSeries computes it (the sum converted to a double, divided by the count). When
//   average_in_integers, the same answer is lo_average_cents × valued ≤ sum ≤
//   hi_average_cents × valued in 64-bit integers, for a sum of at most
//   kGoalValueCentsAbsLimit × valued in magnitude and valued ≤ kAverageIntegerCountMax (a
//   proof at GoalLeafIntervalOf).
inline constexpr std::uint64_t kAverageIntegerCountMax = (std::uint64_t{1} << 14) - 1;
struct GoalLeafInterval {
  std::int64_t lo_cents = 0;
  std::int64_t hi_cents = 0;
  double lo_average = 0;  // −∞ / +∞ when open
  double hi_average = 0;
  bool average_in_integers = false;
  // When average_in_integers: the average's bounds as whole cents, an open side as
  // ∓kGoalValueCentsAbsLimit (no average lies beyond it).
  std::int64_t lo_average_cents = 0;
  std::int64_t hi_average_cents = 0;
};
GoalLeafInterval GoalLeafIntervalOf(const GoalLeaf& leaf);

// Whether a timeline count satisfies a timeline leaf.
bool TimelineLeafMatches(const TimelineLeaf& leaf, std::uint64_t count);

// The earliest instant > now at which time alone can change EvaluateSegment's answer for this
// contact, or nullopt when it cannot (no in_the_last_days leaf has anything in its window).
std::optional<TimeUs> NextSegmentBoundary(const SegmentTree& tree, const ContactFacts& facts,
                                          TimeUs now);

}  // namespace tally::engine
