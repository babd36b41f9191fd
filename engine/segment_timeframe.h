// SegmentTimeframe: the time filter of a segment leaf (reference §5.2/§5.3, D16), parsed from
// timeframe_operator and timeframe_values and resolved at a given "now" into a TimeRange on the
// filtered time (a custom event's occurred_at, a timeline entry's created_at).
//
// | operator             | t matches when        | date-only value d (a whole local day) |
// |----------------------|-----------------------|---------------------------------------|
// | anytime              | always                |                                       |
// | in_the_last_days [N] | t > now - N x 24 h    | (N: whole number, 1..kInTheLastDaysMax) |
// | in_date_range [a, b] | a <= t <= b           | from the start of a to the end of b   |
// | before_date [a]      | t < a                 | before the start of day a             |
// | after_date [a]       | t > a                 | from the start of the day after a     |
//
// in_the_last_days has no upper end (future-dated events match, as in Notifuse); in_date_range
// is inclusive and before/after exclusive, as Notifuse's SQL. Date-only values are days in the
// segment's time zone (D16), where Notifuse took UTC midnight.
// Values are RFC 3339 instants (fraction optional, as Go's time.RFC3339 parse, which is what the
// console sends) or date-only YYYY-MM-DD. Only in_the_last_days depends on "now"; the other
// ranges are fixed when the tree is parsed, so time alone never changes what they match.
// Value type; pure functions; thread safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/clock.h"
#include "engine/model.h"
#include "engine/segment_time_zone.h"
#include "log/result.h"

namespace tally::engine {

inline constexpr TimeUs kSegmentDayUs = 86'400'000'000;
// 100 years: a window longer than anything stored (occurred_at ≥ 1970) would mean "anytime".
inline constexpr std::int64_t kInTheLastDaysMax = 36'500;

enum class TimeframeOp : std::uint8_t {
  kAnytime,
  kInTheLastDays,
  kInDateRange,
  kBeforeDate,
  kAfterDate,
};

struct SegmentTimeframe {
  TimeframeOp op = TimeframeOp::kAnytime;
  std::int64_t days = 0;  // in_the_last_days only
  TimeRange fixed;        // the other operators: the range, resolved when parsed

  // The range of matching times at `now`.
  TimeRange Resolve(TimeUs now) const;

  // in_the_last_days: a time t stops matching at t + window_us(); 0 for the other operators.
  TimeUs window_us() const { return op == TimeframeOp::kInTheLastDays ? days * kSegmentDayUs : 0; }
};

// Parses a leaf's timeframe. Errors (kInvalidArgument), checked in this order:
//   invalid timeframe_operator: X (must be 'anytime', 'in_the_last_days', 'in_date_range',
//     'before_date', or 'after_date')
//   timeframe_values required for timeframe_operator 'X'
//   in_date_range requires 2 values (start and end) | before_date requires 1 value |
//     after_date requires 1 value | in_the_last_days requires 1 value (number of days)
//   invalid start time: X | invalid end time: X | invalid time: X   (with the accepted forms)
//   invalid days value: X (must be a whole number from 1 to 36500)
//   invalid date range: start X is after end Y
Result<SegmentTimeframe> ParseSegmentTimeframe(std::string_view op,
                                               std::span<const std::string> values,
                                               const SegmentTimeZone& zone);

}  // namespace tally::engine
