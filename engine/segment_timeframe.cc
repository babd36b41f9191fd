#include "engine/segment_timeframe.h"

#include <charconv>
#include <optional>
#include <string_view>

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

// Whether `text` is `shape`, where 'd' stands for one ASCII digit and anything else for itself.
bool HasShape(std::string_view text, std::string_view shape) {
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return false;
  }
  return true;
}

// Go's time.Parse(time.RFC3339, s): exactly these digits and separators, an optional fraction
// of one to nine digits, and Z or a ±hh:mm offset. date::parse alone is laxer (one-digit
// months, offsets without minutes), so the shape is checked first and date::parse computes the
// value.
bool IsRfc3339Shape(std::string_view text) {
  constexpr std::string_view kDateTime = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kDateTime.size() || !HasShape(text.substr(0, kDateTime.size()), kDateTime)) {
    return false;
  }
  std::string_view rest = text.substr(kDateTime.size());
  if (rest.starts_with('.')) {
    std::size_t digits = 1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 1 || digits > 10) return false;  // one to nine digits after the dot
    rest.remove_prefix(digits);
  }
  return rest == "Z" || HasShape(rest, "+dd:dd") || HasShape(rest, "-dd:dd");
}

// The ASCII digits text[pos, pos + width) as a number; the shape was checked by the caller.
int Digits(std::string_view text, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

// Days since 1970-01-01 of the date at text[0, 10), or nullopt when the calendar has no such
// day (2023-02-29, month 13).
std::optional<std::int64_t> CivilDay(std::string_view text) {
  const date::year_month_day ymd{date::year{Digits(text, 0, 4)},
                                 date::month{static_cast<unsigned>(Digits(text, 5, 2))},
                                 date::day{static_cast<unsigned>(Digits(text, 8, 2))}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd}.time_since_epoch().count();
}

std::optional<TimeValue> ParseTimeValue(std::string_view text) {
  TimeValue value;
  if (HasShape(text, "dddd-dd-dd")) {
    const std::optional<std::int64_t> day = CivilDay(text);
    if (!day) return std::nullopt;
    value.date_only = true;
    value.civil_day = *day;
    return value;
  }
  if (!IsRfc3339Shape(text)) return std::nullopt;
  const std::optional<std::int64_t> day = CivilDay(text);
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (!day || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (text[pos] == '.') {
    int digits = 0;
    for (++pos; text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      nanos = nanos * 10 + (text[pos] - '0');
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  std::int64_t offset_s = 0;
  if (text[pos] != 'Z') {
    const int offset_hour = Digits(text, pos + 1, 2);
    const int offset_minute = Digits(text, pos + 4, 2);
    if (offset_hour > 23 || offset_minute > 59) return std::nullopt;
    offset_s = (offset_hour * 3600 + offset_minute * 60) * (text[pos] == '-' ? -1 : 1);
  }
  const std::int64_t seconds = *day * 86'400 + hour * 3600 + minute * 60 + second - offset_s;
  // Sub-microsecond digits round half up, as PostgreSQL's TIMESTAMPTZ (and the net layer) do.
  value.instant = seconds * 1'000'000 + (nanos + 500) / 1000;
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
