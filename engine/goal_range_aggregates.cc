#include "engine/goal_range_aggregates.h"

#include <algorithm>
#include <limits>

#include "engine/money.h"
#include "engine/segment_eval.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
// The most values whose sum always fits in 64 bits (9,223).
constexpr std::uint32_t kSumExactValues = kInt64Max / kGoalValueCentsAbsLimit;
static_assert(kSumExactValues <= kAverageIntegerCountMax);

// Elements per block of a span's scan; each block fetches one cache line of the next span's
// values (8 of them) and every other block one of its rows (16).
constexpr std::uint32_t kScanBlock = 8;

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

// Adds one element to a cell, only what the operator needs (a count never reads the values).
template <AggregateOp kOp, typename Cell>
void Add(Cell& cell, std::int64_t cents) {
  ++cell.count;
  if constexpr (kOp != AggregateOp::kCount) {
    const bool valued = cents != kNoCents;
    cell.valued += valued ? 1 : 0;
    if constexpr (kOp == AggregateOp::kSum || kOp == AggregateOp::kAvg) {
      // Unsigned, so that a sum beyond 64 bits wraps instead of overflowing; such cells are
      // never compared (Filter asks the series).
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

// Adds the elements of one span in range to their rows' cells. Each block of elements fetches
// the next span's cache lines at the same offset: a bucket is a few separately allocated
// kilobytes, at whose start the hardware prefetcher would begin anew (without, the scan waits
// on memory for most of its time). Only the edge spans of a range (not kInside) read
// occurred_at.
template <AggregateOp kOp, bool kInside, typename Cell>
void ScanSpan(const GoalEventSpan& span, const std::uint32_t* rows, const GoalEventSpan& next,
              const std::uint32_t* next_rows, Cell* cells, const ClosedTimeBounds& bounds) {
  for (std::uint32_t i = 0; i < span.size; i += kScanBlock) {
    if (i < next.size) {
      if constexpr (kOp != AggregateOp::kCount) __builtin_prefetch(next.cents + i);
      if (i % (2 * kScanBlock) == 0) __builtin_prefetch(next_rows + i);
    }
    const std::uint32_t end = std::min(i + kScanBlock, span.size);
    for (std::uint32_t j = i; j < end; ++j) {
      if constexpr (!kInside) {
        if (span.times[j] < bounds.lo || span.times[j] > bounds.hi) continue;
      }
      Add<kOp>(cells[rows[j]], kOp == AggregateOp::kCount ? 0 : span.cents[j]);
    }
  }
}

// Whether a cell's aggregate lies in the leaf's interval (engine/segment_eval.h), false when
// the range holds no event (or, for avg, min and max, no valued one). Branch-free, so that the
// many rows on either side of a bound cost no mispredictions. Sums and averages over more than
// kSumExactValues values are never asked.
template <AggregateOp kOp, bool kAverageInIntegers, typename Cell>
bool CellMatches(const Cell& cell, const GoalLeafInterval& in) {
  if constexpr (kOp == AggregateOp::kCount) {
    // A count compares as a plain number: count × 100 hundredths.
    const std::int64_t amount = std::int64_t{cell.count} * 100;
    return (cell.count > 0) & (amount >= in.lo_cents) & (amount <= in.hi_cents);
  } else if constexpr (kOp == AggregateOp::kSum) {
    return (cell.count > 0) & (cell.value >= in.lo_cents) & (cell.value <= in.hi_cents);
  } else if constexpr (kOp == AggregateOp::kMin || kOp == AggregateOp::kMax) {
    return (cell.valued > 0) & (cell.value >= in.lo_cents) & (cell.value <= in.hi_cents);
  } else if constexpr (kAverageInIntegers) {
    // lo × n ≤ sum ≤ hi × n: within 64 bits for n ≤ kSumExactValues (GoalLeafIntervalOf).
    const std::int64_t n = cell.valued;
    return (n > 0) & (cell.value >= in.lo_average_cents * n) &
           (cell.value <= in.hi_average_cents * n);
  } else {
    // The quotient GoalSeries computes: the sum as a double divided by the count.
    const double average =
        static_cast<double>(cell.value) / static_cast<double>(std::max(cell.valued, 1U));
    return (cell.valued > 0) & (average >= in.lo_average) & (average <= in.hi_average);
  }
}

}  // namespace

std::uint64_t GoalRangeAggregates::ScanSize(const GoalColumns& columns, std::size_t column,
                                            const ClosedTimeBounds& bounds) {
  std::uint64_t total = 0;
  ForEachTypeOf(column,
                [&](std::size_t type) { total += columns.events[type].SizeOverlapping(bounds); });
  return total;
}

template <AggregateOp kOp>
void GoalRangeAggregates::Scan(bool any_column, const ClosedTimeBounds& bounds) {
  const GoalEventSpan none;
  for (std::size_t k = 0; k < spans_.size(); ++k) {
    const GoalEventSpan& span = spans_[k];
    const GoalEventSpan& next = k + 1 < spans_.size() ? spans_[k + 1] : none;
    // Every row of the span lies below its end, so one check covers the span's cells.
    TALLY_ASSERT((any_column ? span.any_rows_end : span.rows_end) <= cells_.size());
    const std::uint32_t* rows = any_column ? span.any_rows : span.rows;
    const std::uint32_t* next_rows = any_column ? next.any_rows : next.rows;
    if (span.inside) {
      ScanSpan<kOp, true>(span, rows, next, next_rows, cells_.data(), bounds);
    } else {
      ScanSpan<kOp, false>(span, rows, next, next_rows, cells_.data(), bounds);
    }
  }
}

void GoalRangeAggregates::Compute(const GoalColumns& columns, std::size_t column, AggregateOp op,
                                  const TimeRange& range) {
  TALLY_ASSERT(column < kGoalColumnCount);
  column_ = &columns.columns[column];
  op_ = op;
  range_ = range;
  cells_.assign(column_->size(), Cell{Identity(op), 0, 0});
  const ClosedTimeBounds bounds = ToClosedBounds(range);
  spans_.clear();
  ForEachTypeOf(column, [&](std::size_t type) {
    columns.events[type].ForEachSpan(bounds,
                                     [&](const GoalEventSpan& span) { spans_.push_back(span); });
  });
  const bool any_column = column == kAnyGoalColumn;
  switch (op) {
    case AggregateOp::kCount: Scan<AggregateOp::kCount>(any_column, bounds); return;
    case AggregateOp::kSum: Scan<AggregateOp::kSum>(any_column, bounds); return;
    case AggregateOp::kAvg: Scan<AggregateOp::kAvg>(any_column, bounds); return;
    case AggregateOp::kMin: Scan<AggregateOp::kMin>(any_column, bounds); return;
    case AggregateOp::kMax: Scan<AggregateOp::kMax>(any_column, bounds); return;
  }
  TALLY_ASSERT_MSG(false, "unhandled aggregate");
}

template <AggregateOp kOp, bool kAverageInIntegers, typename RowAt>
void GoalRangeAggregates::FilterRows(const GoalLeaf& leaf, bool negated, std::size_t count,
                                     RowAt row_at, std::vector<std::uint32_t>& kept) const {
  const GoalLeafInterval in = GoalLeafIntervalOf(leaf);
  const std::size_t base = kept.size();
  kept.resize(base + count);
  std::uint32_t* out = kept.data() + base;
  std::size_t n = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t row = row_at(i);
    TALLY_ASSERT(row < cells_.size());
    const Cell& cell = cells_[row];
    bool matches = false;
    if ((kOp == AggregateOp::kSum || kOp == AggregateOp::kAvg) && cell.valued > kSumExactValues)
        [[unlikely]] {
      // The cell's sum may have wrapped; the series sums in 128 bits.
      matches = GoalLeafMatches(leaf, column_->refs[row].series->Aggregate(kOp, range_));
    } else {
      matches = CellMatches<kOp, kAverageInIntegers>(cell, in);
    }
    // Written always, kept by advancing: no branch on the answer.
    out[n] = row;
    n += matches != negated ? 1 : 0;
  }
  kept.resize(base + n);
}

template <typename RowAt>
void GoalRangeAggregates::Dispatch(const GoalLeaf& leaf, bool negated, std::size_t count,
                                   RowAt row_at, std::vector<std::uint32_t>& kept) const {
  TALLY_ASSERT(column_ != nullptr && leaf.aggregate == op_);
  switch (op_) {
    case AggregateOp::kCount:
      FilterRows<AggregateOp::kCount, false>(leaf, negated, count, row_at, kept);
      return;
    case AggregateOp::kSum:
      FilterRows<AggregateOp::kSum, false>(leaf, negated, count, row_at, kept);
      return;
    case AggregateOp::kAvg:
      if (GoalLeafIntervalOf(leaf).average_in_integers) {
        FilterRows<AggregateOp::kAvg, true>(leaf, negated, count, row_at, kept);
      } else {
        FilterRows<AggregateOp::kAvg, false>(leaf, negated, count, row_at, kept);
      }
      return;
    case AggregateOp::kMin:
      FilterRows<AggregateOp::kMin, false>(leaf, negated, count, row_at, kept);
      return;
    case AggregateOp::kMax:
      FilterRows<AggregateOp::kMax, false>(leaf, negated, count, row_at, kept);
      return;
  }
  TALLY_ASSERT_MSG(false, "unhandled aggregate");
}

void GoalRangeAggregates::Filter(const GoalLeaf& leaf, bool negated,
                                 std::span<const std::uint32_t> candidates,
                                 std::vector<std::uint32_t>& kept) const {
  Dispatch(
      leaf, negated, candidates.size(), [&](std::size_t i) { return candidates[i]; }, kept);
}

void GoalRangeAggregates::FilterAll(const GoalLeaf& leaf, std::vector<std::uint32_t>& kept) const {
  // Only rows with an event in the range can match, and such rows are live.
  Dispatch(
      leaf, /*negated=*/false, cells_.size(),
      [](std::size_t i) { return static_cast<std::uint32_t>(i); }, kept);
}

}  // namespace tally::engine
