// The pieces GoalSeries and its tree share: one stored element, the aggregate of a run of
// elements (GoalSummary), and the conversion of a TimeRange into closed time bounds.
//
// Plain values and pure functions; no shared state, safe from any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include "engine/clock.h"
#include "engine/model.h"

namespace tally::engine {

// Marks an element without goal_value. Valid values are far from it (D8 bounds them to
// |cents| < 1e15), so the sentinel keeps an element at 16 bytes instead of the 24 an
// std::optional<int64_t> would take.
inline constexpr std::int64_t kNoCents = std::numeric_limits<std::int64_t>::min();

// One live goal event in a series: nothing but what an aggregate reads. Two events with the
// same occurred_at and value are interchangeable in every aggregate, so a series may hold equal
// elements and erasing either of them leaves the same series.
struct GoalElement {
  TimeUs occurred_at = 0;
  std::int64_t cents = kNoCents;

  bool HasValue() const { return cents != kNoCents; }
};
static_assert(sizeof(GoalElement) == 16);

// Elements are ordered by (occurred_at, cents); equal keys may repeat.
inline bool KeyLess(TimeUs a_time, std::int64_t a_cents, TimeUs b_time, std::int64_t b_cents) {
  return a_time < b_time || (a_time == b_time && a_cents < b_cents);
}
inline bool KeyLess(const GoalElement& a, const GoalElement& b) {
  return KeyLess(a.occurred_at, a.cents, b.occurred_at, b.cents);
}

// GCC's 128-bit integer; __extension__ keeps -Wpedantic quiet about the non-ISO type.
__extension__ typedef __int128 Int128;

// The aggregate of a run of elements. The sum is 128-bit so that no run can overflow it:
// 2^64 elements of |cents| < 2^63 stay below 2^127. min/max hold their identities
// (INT64_MAX / INT64_MIN) while valued == 0.
struct GoalSummary {
  std::uint64_t count = 0;
  std::uint64_t valued = 0;
  Int128 sum = 0;
  std::int64_t min = std::numeric_limits<std::int64_t>::max();
  std::int64_t max = std::numeric_limits<std::int64_t>::min();

  void Add(const GoalElement& e) {
    ++count;
    if (e.HasValue()) {
      ++valued;
      sum += e.cents;
      min = std::min(min, e.cents);
      max = std::max(max, e.cents);
    }
  }
  void Add(const GoalSummary& other) {
    count += other.count;
    valued += other.valued;
    sum += other.sum;
    min = std::min(min, other.min);
    max = std::max(max, other.max);
  }
};

// What a query must compute: a count needs only positions, never the values.
enum class SummaryFields : std::uint8_t { kCountOnly, kAll };

inline SummaryFields FieldsFor(AggregateOp op) {
  return op == AggregateOp::kCount ? SummaryFields::kCountOnly : SummaryFields::kAll;
}

// A TimeRange as closed bounds lo <= occurred_at <= hi; empty when lo > hi.
struct ClosedTimeBounds {
  TimeUs lo = std::numeric_limits<TimeUs>::min();
  TimeUs hi = std::numeric_limits<TimeUs>::max();

  bool Empty() const { return lo > hi; }
};

ClosedTimeBounds ToClosedBounds(const TimeRange& range);

// Turns a summary into the value of `op` (see GoalSeries::Aggregate for the semantics).
AggregateValue ToAggregateValue(AggregateOp op, const GoalSummary& summary);

}  // namespace tally::engine
