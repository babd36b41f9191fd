#include "engine/segment_column_facts.h"

#include <algorithm>
#include <cstdlib>

#include "log/assert.h"

namespace tally::engine {
namespace {

// Whether t lies before the start of `range`, after its end, or in it.
bool BeforeRange(const TimeRange& range, TimeUs t) {
  return range.after && (range.after_inclusive ? t < *range.after : t <= *range.after);
}
bool AfterRange(const TimeRange& range, TimeUs t) {
  return range.before && (range.before_inclusive ? t > *range.before : t >= *range.before);
}
bool InRange(const TimeRange& range, TimeUs t) {
  return !BeforeRange(range, t) && !AfterRange(range, t);
}

// The leaf's comparison evaluated, through GoalLeafMatches, at one amount of its aggregate.
bool CountMatches(const GoalLeaf& leaf, std::int64_t amount_cents) {
  AggregateValue value;
  value.matched = static_cast<std::uint64_t>(amount_cents / 100);
  value.cents = static_cast<std::int64_t>(value.matched);
  return GoalLeafMatches(leaf, value);
}
bool ValueMatches(const GoalLeaf& leaf, std::int64_t cents) {
  AggregateValue value;
  value.matched = 1;
  value.cents = cents;
  return GoalLeafMatches(leaf, value);
}
bool AverageMatches(const GoalLeaf& leaf, double cents) {
  AggregateValue value;
  value.matched = 1;
  value.average_cents = cents;
  return GoalLeafMatches(leaf, value);
}

// Whether the leaf's comparison holds for every amount in [lo, hi] (true), for none (false), or
// for some only (nullopt). Each comparison is an interval of amounts — gte [v, ∞), lte (−∞, v],
// eq [v, v], between [v, v2] — so it holds everywhere when it holds at both ends, and nowhere
// when [lo, hi] lies wholly below or above it.
template <typename Amount, typename Matches>
std::optional<bool> OverInterval(const GoalLeaf& leaf, Amount lo, Amount hi, Matches matches) {
  TALLY_ASSERT(lo <= hi);
  if (matches(lo) && matches(hi)) return true;
  const SegmentValue& upper = leaf.compare == GoalCompareOp::kBetween ? leaf.value_2 : leaf.value;
  if (leaf.compare != GoalCompareOp::kLte && !leaf.value.CentsAtLeast(hi)) return false;
  if (leaf.compare != GoalCompareOp::kGte && !upper.CentsAtMost(lo)) return false;
  return std::nullopt;
}

// An average of some of the row's values, computed as GoalSeries does (the sum as a double,
// divided by the count), lies in [min_cents, max_cents] when every partial sum is an exact
// double: then the quotient is rounded between two doubles that bound it.
bool AverageStaysInRange(const GoalRow& row) {
  constexpr std::int64_t kExactMax = std::int64_t{1} << 53;
  const std::int64_t largest = std::max(std::abs(row.min_cents), std::abs(row.max_cents));
  return largest <= kExactMax / std::max<std::int64_t>(row.valued_count, 1);
}

// A leaf on avg, min or max when some but not all of the row's events may be in the range:
// whatever subset of its values is, those aggregates lie in [min_cents, max_cents].
std::optional<bool> DecideByValueRange(const GoalLeaf& leaf, const GoalRow& row,
                                       bool valued_event_in_range) {
  // No value at all: avg, min and max are absent whatever the range.
  if (row.valued_count == 0) return false;
  std::optional<bool> all;
  if (leaf.aggregate == AggregateOp::kAvg) {
    if (!AverageStaysInRange(row)) return std::nullopt;
    all = OverInterval(leaf, static_cast<double>(row.min_cents), static_cast<double>(row.max_cents),
                       [&](double cents) { return AverageMatches(leaf, cents); });
  } else {
    all = OverInterval(leaf, row.min_cents, row.max_cents,
                       [&](std::int64_t cents) { return ValueMatches(leaf, cents); });
  }
  // "Holds everywhere" matches only if the range holds a valued event (else they are absent).
  if (all == true && !valued_event_in_range) return std::nullopt;
  return all;
}

}  // namespace

std::optional<bool> DecideGoalLeafFromRow(const GoalLeaf& leaf, const GoalColumn& column,
                                          std::uint32_t row, const TimeRange& range) {
  TALLY_ASSERT(row < column.size() && column.rows[row].count > 0);
  const GoalRow& r = column.rows[row];
  // The range is an interval: it misses [oldest, newest] when it ends before oldest or starts
  // after newest, and holds it when it holds both ends.
  if (BeforeRange(range, r.newest) || AfterRange(range, r.oldest)) return false;
  const bool oldest_in = InRange(range, r.oldest);
  const bool newest_in = InRange(range, r.newest);
  if (oldest_in && newest_in) return GoalLeafMatches(leaf, column.Anytime(row, leaf.aggregate));
  switch (leaf.aggregate) {
    case AggregateOp::kCount:
      // With exactly one end inside, oldest < newest, count ≥ 2 and 1 ≤ matched ≤ count − 1.
      if (oldest_in == newest_in) return std::nullopt;
      return OverInterval(leaf, std::int64_t{100}, (static_cast<std::int64_t>(r.count) - 1) * 100,
                          [&](std::int64_t amount) { return CountMatches(leaf, amount); });
    case AggregateOp::kAvg:
    case AggregateOp::kMin:
    case AggregateOp::kMax:
      return DecideByValueRange(leaf, r, (oldest_in || newest_in) && r.valued_count == r.count);
    case AggregateOp::kSum: return std::nullopt;
  }
  TALLY_ASSERT_MSG(false, "unhandled aggregate");
}

std::optional<std::uint32_t> SegmentColumnFacts::Row(std::size_t column) const {
  if (column == known_column_) return known_row_;
  const std::uint32_t row_plus_one = contact_.second.goal_rows[column];
  if (row_plus_one == 0) return std::nullopt;
  return row_plus_one - 1;
}

std::optional<bool> SegmentColumnFacts::DecideGoalLeaf(const GoalLeaf& leaf,
                                                       const TimeRange& range) const {
  const std::size_t column = GoalColumnIndex(leaf.goal_type);
  const std::optional<std::uint32_t> row = Row(column);
  // No live event of the goal type: none of any goal name either.
  if (!row) return false;
  if (!leaf.goal_name.empty()) return std::nullopt;
  return DecideGoalLeafFromRow(leaf, columns_.columns[column], *row, range);
}

AggregateValue SegmentColumnFacts::GoalAggregate(const GoalLeaf& leaf,
                                                 const TimeRange& range) const {
  if (!leaf.goal_name.empty()) return series_facts_.GoalAggregate(leaf, range);
  const std::size_t column = GoalColumnIndex(leaf.goal_type);
  const std::optional<std::uint32_t> row = Row(column);
  if (!row) return AggregateValue{};
  const GoalSeries* series = columns_.columns[column].refs[*row].series;
  TALLY_ASSERT(series != nullptr);
  return series->Aggregate(leaf.aggregate, range);
}

}  // namespace tally::engine
