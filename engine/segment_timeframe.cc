#include "engine/segment_timeframe.h"

#include <charconv>
#include <chrono>
#include <optional>
#include <regex>
#include <sstream>

#include <date/date.h>

#include "log/assert.h"

namespace tally::engine {
namespace {

// One timeframe value: an instant, or a local calendar day.
struct TimeValue {
  bool date_only = false;
  TimeUs instant = 0;          // RFC 3339 value
  std::int64_t civil_day = 0;  // date-only value: days since 1970-01-01
};

constexpr const char* kAcceptedForms = " (must be an RFC 3339 time or a date YYYY-MM-DD)";

// Go's time.Parse(time.RFC3339, s): exactly these digits and separators, an optional fraction
// of up to nine digits, and Z or a ±hh:mm offset. date::parse alone is laxer (one-digit months,
// offsets without minutes), so the shape is checked first and date::parse computes the value.
const std::regex& Rfc3339Shape() {
  static const std::regex shape(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))");
  return shape;
}
const std::regex& DateShape() {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2})");
  return shape;
}

std::optional<TimeValue> ParseTimeValue(const std::string& text) {
  using std::chrono::nanoseconds;
  std::istringstream in(text);
  if (std::regex_match(text, DateShape())) {
    date::local_days day;
    in >> date::parse("%F", day);
    if (in.fail()) return std::nullopt;  // a day the calendar does not have, like 02-30
    TimeValue value;
    value.date_only = true;
    value.civil_day = day.time_since_epoch().count();
    return value;
  }
  if (!std::regex_match(text, Rfc3339Shape())) return std::nullopt;
  date::sys_time<nanoseconds> instant;
  in >> date::parse(text.back() == 'Z' ? "%FT%TZ" : "%FT%T%Ez", instant);
  if (in.fail()) return std::nullopt;  // out-of-range fields, like hour 24 or offset 25:00
  // Sub-microsecond digits round half up, as PostgreSQL's TIMESTAMPTZ (and the net layer) do.
  const auto us = date::floor<std::chrono::microseconds>(instant + nanoseconds(500));
  TimeValue value;
  value.instant = us.time_since_epoch().count();
  return value;
}

// in_the_last_days: a strict whole number (D16), where Notifuse's Sscanf took "7abc" as 7,
// "1.9" as 1 and accepted 0 and negative numbers.
std::optional<std::int64_t> ParseDays(const std::string& text) {
  std::int64_t days = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, days);
  if (text.empty() || text[0] == '-' || ec != std::errc() || ptr != end) return std::nullopt;
  if (days < 1 || days > kInTheLastDaysMax) return std::nullopt;
  return days;
}

Status BadTime(const char* what, const std::string& text) {
  return Status::InvalidArgument(std::string(what) + text + kAcceptedForms);
}

Result<SegmentTimeframe> ParseDateRange(std::span<const std::string> values,
                                        const SegmentTimeZone& zone) {
  if (values.size() != 2) {
    return Status::InvalidArgument("in_date_range requires 2 values (start and end)");
  }
  const std::optional<TimeValue> start = ParseTimeValue(values[0]);
  if (!start) return BadTime("invalid start time: ", values[0]);
  const std::optional<TimeValue> end = ParseTimeValue(values[1]);
  if (!end) return BadTime("invalid end time: ", values[1]);
  SegmentTimeframe out;
  out.op = TimeframeOp::kInDateRange;
  out.fixed.after = start->date_only ? zone.StartOfDay(start->civil_day) : start->instant;
  out.fixed.after_inclusive = true;
  // A date-only end includes its whole day, so the range ends where the next day starts.
  out.fixed.before = end->date_only ? zone.StartOfDay(end->civil_day + 1) : end->instant;
  out.fixed.before_inclusive = !end->date_only;
  const bool empty = out.fixed.before_inclusive ? *out.fixed.after > *out.fixed.before
                                                : *out.fixed.after >= *out.fixed.before;
  if (empty) {
    return Status::InvalidArgument("invalid date range: start " + values[0] + " is after end " +
                                   values[1]);
  }
  return out;
}

Result<SegmentTimeframe> ParseBound(TimeframeOp op, std::span<const std::string> values,
                                    const SegmentTimeZone& zone) {
  const bool before = op == TimeframeOp::kBeforeDate;
  if (values.size() != 1) {
    return Status::InvalidArgument(before ? "before_date requires 1 value"
                                          : "after_date requires 1 value");
  }
  const std::optional<TimeValue> value = ParseTimeValue(values[0]);
  if (!value) return BadTime("invalid time: ", values[0]);
  SegmentTimeframe out;
  out.op = op;
  if (before) {
    out.fixed.before = value->date_only ? zone.StartOfDay(value->civil_day) : value->instant;
  } else if (value->date_only) {
    // After a whole day means from the start of the next one.
    out.fixed.after = zone.StartOfDay(value->civil_day + 1);
    out.fixed.after_inclusive = true;
  } else {
    out.fixed.after = value->instant;
  }
  return out;
}

std::optional<TimeframeOp> ParseOp(std::string_view op) {
  if (op == "anytime") return TimeframeOp::kAnytime;
  if (op == "in_the_last_days") return TimeframeOp::kInTheLastDays;
  if (op == "in_date_range") return TimeframeOp::kInDateRange;
  if (op == "before_date") return TimeframeOp::kBeforeDate;
  if (op == "after_date") return TimeframeOp::kAfterDate;
  return std::nullopt;
}

}  // namespace

TimeRange SegmentTimeframe::Resolve(TimeUs now) const {
  if (op != TimeframeOp::kInTheLastDays) return fixed;
  TALLY_ASSERT(days >= 1 && days <= kInTheLastDaysMax);
  TimeRange window;
  window.after = now - window_us();
  return window;
}

Result<SegmentTimeframe> ParseSegmentTimeframe(std::string_view op,
                                               std::span<const std::string> values,
                                               const SegmentTimeZone& zone) {
  const std::optional<TimeframeOp> parsed = ParseOp(op);
  if (!parsed) {
    return Status::InvalidArgument(
        "invalid timeframe_operator: " + std::string(op) +
        " (must be 'anytime', 'in_the_last_days', 'in_date_range', 'before_date', or "
        "'after_date')");
  }
  if (*parsed == TimeframeOp::kAnytime) return SegmentTimeframe{};
  if (values.empty()) {
    return Status::InvalidArgument("timeframe_values required for timeframe_operator '" +
                                   std::string(op) + "'");
  }
  switch (*parsed) {
    case TimeframeOp::kInTheLastDays: {
      if (values.size() != 1) {
        return Status::InvalidArgument("in_the_last_days requires 1 value (number of days)");
      }
      const std::optional<std::int64_t> days = ParseDays(values[0]);
      if (!days) {
        return Status::InvalidArgument("invalid days value: " + values[0] +
                                       " (must be a whole number from 1 to 36500)");
      }
      SegmentTimeframe out;
      out.op = TimeframeOp::kInTheLastDays;
      out.days = *days;
      return out;
    }
    case TimeframeOp::kInDateRange: return ParseDateRange(values, zone);
    case TimeframeOp::kBeforeDate:
    case TimeframeOp::kAfterDate: return ParseBound(*parsed, values, zone);
    case TimeframeOp::kAnytime: break;
  }
  TALLY_ASSERT_MSG(false, "unhandled timeframe operator");
}

}  // namespace tally::engine
