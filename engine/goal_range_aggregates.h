// GoalRangeAggregates: for every row of one goal column of a stripe (engine/goal_columns.h),
// the aggregate of the row's live events whose occurred_at lies in one time range, computed in
// one pass over the stripe's goal event buckets (engine/goal_event_buckets.h) that the range
// overlaps: each event adds to its row's cell in a scratch array indexed by row (a few tens of
// thousands of rows per stripe at a million contacts, so the cells stay in cache). This is how
// a segment preview decides a leaf over a time range for the many rows whose events the range
// splits, without reading each contact's goal series (docs/segments.md, "Range leaves").
//
// The rows are then decided by comparing each cell with the leaf's interval
// (GoalLeafIntervalOf, engine/segment_eval.h) in a loop specialised per aggregate, so that no
// AggregateValue is built per row.
//
// Thread safety: none; one object per thread, reused from stripe to stripe. The caller holds
// the stripe (shared at least) from Compute to the last Filter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/goal_columns.h"
#include "engine/goal_event_buckets.h"
#include "engine/goal_series_element.h"
#include "engine/model.h"
#include "engine/segment_tree.h"

namespace tally::engine {

class GoalRangeAggregates {
 public:
  // The number of bucket elements Compute would visit for `column` (kAnyGoalColumn: every
  // goal type's). O(buckets).
  static std::uint64_t ScanSize(const GoalColumns& columns, std::size_t column,
                                const ClosedTimeBounds& bounds);

  // Aggregates `op` over the events of `column` whose occurred_at lies in `range`, for every
  // row of the column. O(rows + ScanSize). `columns` must outlive the calls to Filter and
  // FilterAll.
  void Compute(const GoalColumns& columns, std::size_t column, AggregateOp op,
               const TimeRange& range);

  // Appends to `kept`, in their order, the `candidates` (live rows of the column) for which
  // `leaf` holds — or, when `negated`, does not — over the range: GoalLeafMatches' answer on
  // GoalSeries::Aggregate of the row's series. `leaf` has Compute's operator. A sum or average
  // over more valued events than always fit in 64 bits (9,223) is asked of the row's series.
  // O(candidates).
  void Filter(const GoalLeaf& leaf, bool negated, std::span<const std::uint32_t> candidates,
              std::vector<std::uint32_t>& kept) const;

  // The same over every live row of the column, ascending, for a leaf that is not negated: a
  // row without an event in the range does not match, so the live rows need not be listed.
  // O(column rows).
  void FilterAll(const GoalLeaf& leaf, std::vector<std::uint32_t>& kept) const;

 private:
  // `value` is the sum (kept modulo 2^64, exact whenever the true sum fits in 64 bits), the
  // minimum or the maximum of the valued events, per the operator.
  struct Cell {
    std::int64_t value = 0;
    std::uint32_t count = 0;
    std::uint32_t valued = 0;
  };

  template <AggregateOp kOp>
  void Scan(bool any_column, const ClosedTimeBounds& bounds);
  template <AggregateOp kOp, bool kAverageInIntegers, typename RowAt>
  void FilterRows(const GoalLeaf& leaf, bool negated, std::size_t count, RowAt row_at,
                  std::vector<std::uint32_t>& kept) const;
  template <typename RowAt>
  void Dispatch(const GoalLeaf& leaf, bool negated, std::size_t count, RowAt row_at,
                std::vector<std::uint32_t>& kept) const;

  const GoalColumn* column_ = nullptr;
  AggregateOp op_ = AggregateOp::kCount;
  TimeRange range_;
  std::vector<Cell> cells_;           // indexed by row
  std::vector<GoalEventSpan> spans_;  // the spans of the last Compute, in visiting order
};

}  // namespace tally::engine
