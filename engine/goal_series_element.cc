#include "engine/goal_series_element.h"

namespace tally::engine {

ClosedTimeBounds ToClosedBounds(const TimeRange& range) {
  constexpr TimeUs kTimeMin = std::numeric_limits<TimeUs>::min();
  constexpr TimeUs kTimeMax = std::numeric_limits<TimeUs>::max();
  ClosedTimeBounds bounds;
  if (range.after) {
    if (range.after_inclusive) {
      bounds.lo = *range.after;
    } else if (*range.after == kTimeMax) {
      // Nothing is later than the latest representable time: an empty range.
      return ClosedTimeBounds{.lo = kTimeMax, .hi = kTimeMin};
    } else {
      bounds.lo = *range.after + 1;
    }
  }
  if (range.before) {
    if (range.before_inclusive) {
      bounds.hi = *range.before;
    } else if (*range.before == kTimeMin) {
      return ClosedTimeBounds{.lo = kTimeMax, .hi = kTimeMin};
    } else {
      bounds.hi = *range.before - 1;
    }
  }
  return bounds;
}

AggregateValue ToAggregateValue(AggregateOp op, const GoalSummary& summary) {
  AggregateValue value;
  value.matched = summary.count;
  switch (op) {
    case AggregateOp::kCount: value.cents = static_cast<std::int64_t>(summary.count); break;
    case AggregateOp::kSum: {
      // A sum beyond int64 needs more than ~9,000 events at the D8 value limit. Saturating
      // keeps every comparison against an int64 threshold (sum gte X, sum lte X) correct.
      constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
      constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
      value.cents = summary.sum > kMax   ? kMax
                    : summary.sum < kMin ? kMin
                                         : static_cast<std::int64_t>(summary.sum);
      break;
    }
    case AggregateOp::kAvg:
      if (summary.valued > 0) {
        value.average_cents =
            static_cast<double>(summary.sum) / static_cast<double>(summary.valued);
      }
      break;
    case AggregateOp::kMin:
      if (summary.valued > 0) value.cents = summary.min;
      break;
    case AggregateOp::kMax:
      if (summary.valued > 0) value.cents = summary.max;
      break;
  }
  return value;
}

}  // namespace tally::engine
