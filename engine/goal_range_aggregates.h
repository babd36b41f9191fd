// GoalRangeAggregates: for every row of one goal column of a stripe (engine/goal_columns.h),
// the aggregate of the row's live events whose occurred_at lies in one time range, computed in
// one pass over the stripe's goal event buckets (engine/goal_event_buckets.h) that the range
// overlaps: each event adds to its row's cell in a scratch array indexed by row (a few tens of
// thousands of rows per stripe at a million contacts, so the cells stay in cache). This is how
// a segment preview decides a leaf over a time range for the many rows whose events the range
// splits, without reading each contact's goal series (docs/segments.md, "Range leaves").
//
// Thread safety: none; one object per thread, reused from stripe to stripe. The caller holds
// the stripe (shared at least) from Compute to the last Get.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/goal_columns.h"
#include "engine/goal_series_element.h"
#include "engine/model.h"
#include "log/assert.h"

namespace tally::engine {

class GoalRangeAggregates {
 public:
  // The number of bucket elements Compute would visit for `column` (kAnyGoalColumn: every
  // goal type's). O(buckets).
  static std::uint64_t ScanSize(const GoalColumns& columns, std::size_t column,
                                const ClosedTimeBounds& bounds);

  // Aggregates `op` over the events of `column` in `bounds`, for every row of the column.
  // O(rows + ScanSize). `columns` must outlive the calls to Get.
  void Compute(const GoalColumns& columns, std::size_t column, AggregateOp op,
               const ClosedTimeBounds& bounds);

  // The aggregate of a live row of the column, as GoalSeries::Aggregate(op, range) over the
  // row's series answers it; nullopt for a sum or average over more than 9,223 valued events
  // (which might not fit in 64 bits), where the caller asks the series instead. O(1).
  std::optional<AggregateValue> Get(std::uint32_t row) const;

  // Whether the row has any event in the range; a leaf is false without one (D15), so callers
  // skip Get for the many rows a short range misses. O(1), inline.
  bool HasEvents(std::uint32_t row) const {
    TALLY_ASSERT(row < cells_.size());
    return cells_[row].count > 0;
  }

 private:
  // `value` is the sum (kept modulo 2^64, exact whenever the true sum fits in 64 bits), the
  // minimum or the maximum of the valued events, per the operator.
  struct Cell {
    std::int64_t value = 0;
    std::uint32_t count = 0;
    std::uint32_t valued = 0;
  };

  const GoalColumn* column_ = nullptr;
  AggregateOp op_ = AggregateOp::kCount;
  AggregateValue empty_;     // the aggregate over no event
  std::vector<Cell> cells_;  // indexed by row
};

}  // namespace tally::engine
