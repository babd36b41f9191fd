#include "engine/goal_range_aggregates.h"

#include <algorithm>
#include <limits>

#include "engine/money.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
// The most values whose sum always fits in 64 bits (9,223).
constexpr std::uint32_t kSumExactValues = kInt64Max / kGoalValueCentsAbsLimit;

// The goal types whose buckets hold a column's events: its own, or all of them for "any".
template <typename Visit>
void ForEachTypeOf(std::size_t column, Visit&& visit) {
  if (column != kAnyGoalColumn) {
    visit(column);
    return;
  }
  for (std::size_t type = 1; type < kGoalColumnCount; ++type) visit(type);
}

// The value a cell starts from: the identity of its operator.
std::int64_t Identity(AggregateOp op) {
  if (op == AggregateOp::kMin) return kInt64Max;
  if (op == AggregateOp::kMax) return kInt64Min;
  return 0;
}

// The inner loops, one instantiation per operator so that each adds only what it needs (a
// count never reads the values).
template <AggregateOp kOp>
struct RangeAccumulator {
  template <typename Cell>
  static void Add(Cell& cell, std::int64_t cents) {
    ++cell.count;
    if constexpr (kOp != AggregateOp::kCount) {
      const bool valued = cents != kNoCents;
      cell.valued += valued ? 1 : 0;
      if constexpr (kOp == AggregateOp::kSum || kOp == AggregateOp::kAvg) {
        // Unsigned, so that a sum beyond 64 bits wraps instead of overflowing; Get decides
        // whether the result can be trusted.
        cell.value = static_cast<std::int64_t>(static_cast<std::uint64_t>(cell.value) +
                                               static_cast<std::uint64_t>(valued ? cents : 0));
      } else if constexpr (kOp == AggregateOp::kMin) {
        cell.value = std::min(cell.value, valued ? cents : kInt64Max);
      } else {
        // kNoCents is the smallest int64, so an event without a value leaves the maximum alone.
        cell.value = std::max(cell.value, cents);
      }
    }
  }

  template <typename Cell>
  static void Scan(const GoalEventSpan& span, const std::uint32_t* rows, Cell* cells,
                   std::size_t cell_count, const ClosedTimeBounds& bounds) {
    // Only the edge buckets of a range read occurred_at.
    if (span.inside) {
      for (std::uint32_t i = 0; i < span.size; ++i) {
        TALLY_ASSERT(rows[i] < cell_count);
        Add(cells[rows[i]], kOp == AggregateOp::kCount ? 0 : span.cents[i]);
      }
      return;
    }
    for (std::uint32_t i = 0; i < span.size; ++i) {
      if (span.times[i] < bounds.lo || span.times[i] > bounds.hi) continue;
      TALLY_ASSERT(rows[i] < cell_count);
      Add(cells[rows[i]], kOp == AggregateOp::kCount ? 0 : span.cents[i]);
    }
  }
};

}  // namespace

std::uint64_t GoalRangeAggregates::ScanSize(const GoalColumns& columns, std::size_t column,
                                            const ClosedTimeBounds& bounds) {
  std::uint64_t total = 0;
  ForEachTypeOf(column,
                [&](std::size_t type) { total += columns.events[type].SizeOverlapping(bounds); });
  return total;
}

void GoalRangeAggregates::Compute(const GoalColumns& columns, std::size_t column, AggregateOp op,
                                  const ClosedTimeBounds& bounds) {
  TALLY_ASSERT(column < kGoalColumnCount);
  column_ = &columns.columns[column];
  op_ = op;
  empty_ = ToAggregateValue(op, GoalSummary{});
  cells_.assign(column_->size(), Cell{Identity(op), 0, 0});
  auto scan = [&]<AggregateOp kOp>() {
    ForEachTypeOf(column, [&](std::size_t type) {
      columns.events[type].ForEachSpan(bounds, [&](const GoalEventSpan& span) {
        const std::uint32_t* rows = column == kAnyGoalColumn ? span.any_rows : span.rows;
        RangeAccumulator<kOp>::Scan(span, rows, cells_.data(), cells_.size(), bounds);
      });
    });
  };
  switch (op) {
    case AggregateOp::kCount: scan.operator()<AggregateOp::kCount>(); return;
    case AggregateOp::kSum: scan.operator()<AggregateOp::kSum>(); return;
    case AggregateOp::kAvg: scan.operator()<AggregateOp::kAvg>(); return;
    case AggregateOp::kMin: scan.operator()<AggregateOp::kMin>(); return;
    case AggregateOp::kMax: scan.operator()<AggregateOp::kMax>(); return;
  }
  TALLY_ASSERT_MSG(false, "unhandled aggregate");
}

std::optional<AggregateValue> GoalRangeAggregates::Get(std::uint32_t row) const {
  TALLY_ASSERT(column_ != nullptr && row < cells_.size());
  const Cell& cell = cells_[row];
  // Most rows of a short range have no event in it.
  if (cell.count == 0) return empty_;
  GoalSummary summary;
  summary.count = cell.count;
  summary.valued = cell.valued;
  if (cell.valued > 0) {
    switch (op_) {
      case AggregateOp::kCount: break;
      case AggregateOp::kSum:
      case AggregateOp::kAvg: {
        // Stored values are at most kGoalValueCentsAbsLimit in magnitude (asserted by
        // AddGoalEvent), so a sum of up to kSumExactValues of them fits in 64 bits and the
        // wrapped one equals it.
        if (cell.valued > kSumExactValues) return std::nullopt;
        summary.sum = cell.value;
        break;
      }
      case AggregateOp::kMin: summary.min = cell.value; break;
      case AggregateOp::kMax: summary.max = cell.value; break;
    }
  }
  return ToAggregateValue(op_, summary);
}

}  // namespace tally::engine
