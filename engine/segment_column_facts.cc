#include "engine/segment_column_facts.h"

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

bool CountMatches(const GoalLeaf& leaf, std::uint64_t matched) {
  AggregateValue value;
  value.matched = matched;
  value.cents = static_cast<std::int64_t>(matched);
  return GoalLeafMatches(leaf, value);
}

}  // namespace

std::optional<bool> DecideGoalLeafFromRow(const GoalLeaf& leaf, const GoalColumn& column,
                                          std::uint32_t row, const TimeRange& range) {
  TALLY_ASSERT(row < column.size() && column.rows[row].count > 0);
  const TimeUs oldest = column.rows[row].oldest;
  const TimeUs newest = column.rows[row].newest;
  // The range is an interval: it misses [oldest, newest] when it ends before oldest or starts
  // after newest, and holds it when it holds both ends.
  if (BeforeRange(range, newest) || AfterRange(range, oldest)) return false;
  const bool oldest_in = InRange(range, oldest);
  const bool newest_in = InRange(range, newest);
  if (oldest_in && newest_in) return GoalLeafMatches(leaf, column.Anytime(row, leaf.aggregate));
  if (leaf.aggregate != AggregateOp::kCount || oldest_in == newest_in) return std::nullopt;
  // Exactly one end is inside, so oldest < newest, count ≥ 2 and 1 ≤ matched ≤ count − 1.
  const std::uint64_t lo = 1;
  const std::uint64_t hi = column.rows[row].count - 1;
  const bool at_lo = CountMatches(leaf, lo);
  const bool at_hi = CountMatches(leaf, hi);
  if (at_lo == at_hi && (leaf.compare != GoalCompareOp::kEq || lo == hi)) {
    // gte and lte are monotone in the count and between is an interval, so agreeing answers
    // at both bounds hold everywhere between them; except that an interval (or eq's point)
    // may lie strictly inside (lo, hi) while both bounds fail.
    if (at_lo || lo == hi) return at_lo;
    if (leaf.compare == GoalCompareOp::kGte || leaf.compare == GoalCompareOp::kLte) return false;
  }
  return std::nullopt;
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
