#include "net/rfc3339.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

#include <date/date.h>

namespace tally::net {
namespace {

constexpr int kFractionDigitsMax = 9;

// Reads exactly `width` ASCII digits at `pos`.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

bool IsAt(std::string_view text, std::size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

}  // namespace

Result<engine::TimeUs> ParseRfc3339(std::string_view text) {
  const Status bad = Status::InvalidArgument("not an RFC 3339 time");
  auto year = Digits(text, 0, 4);
  auto month = Digits(text, 5, 2);
  auto day = Digits(text, 8, 2);
  auto hour = Digits(text, 11, 2);
  auto minute = Digits(text, 14, 2);
  auto second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !IsAt(text, 4, '-') ||
      !IsAt(text, 7, '-') || !IsAt(text, 10, 'T') || !IsAt(text, 13, ':') || !IsAt(text, 16, ':')) {
    return bad;
  }
  date::year_month_day ymd{date::year{*year}, date::month{static_cast<unsigned>(*month)},
                           date::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 59) {
    return bad;
  }
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (IsAt(text, pos, '.')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > kFractionDigitsMax) {
        return bad;
      }
      nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) {
      return bad;
    }
    for (int i = digits; i < kFractionDigitsMax; ++i) {
      nanos *= 10;
    }
  }
  std::int64_t offset_seconds = 0;
  if (IsAt(text, pos, 'Z')) {
    ++pos;
  } else if (IsAt(text, pos, '+') || IsAt(text, pos, '-')) {
    auto off_hour = Digits(text, pos + 1, 2);
    auto off_minute = Digits(text, pos + 4, 2);
    if (!off_hour || !off_minute || !IsAt(text, pos + 3, ':') || *off_hour > 23 ||
        *off_minute > 59) {
      return bad;
    }
    offset_seconds = (*off_hour * 3600 + *off_minute * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad;
  }
  if (pos != text.size()) {
    return bad;
  }
  std::int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  std::int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_seconds;
  return seconds * 1'000'000 + (nanos + 500) / 1000;
}

void AppendRfc3339(std::string& out, engine::TimeUs time_us) {
  using std::chrono::microseconds;
  date::sys_time<microseconds> tp{microseconds{time_us}};
  auto day_point = date::floor<date::days>(tp);
  date::year_month_day ymd{day_point};
  date::hh_mm_ss<microseconds> tod{tp - day_point};
  char buf[48];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                    static_cast<int>(tod.seconds().count()));
  out.append(buf, static_cast<std::size_t>(n));
  auto micros = tod.subseconds().count();
  if (micros != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
    std::string_view f(frac);
    // Go's RFC3339Nano drops trailing zeros of the fraction.
    while (f.back() == '0') {
      f.remove_suffix(1);
    }
    out += f;
  }
  out += 'Z';
}

std::string FormatRfc3339(engine::TimeUs time_us) {
  std::string out;
  AppendRfc3339(out, time_us);
  return out;
}

}  // namespace tally::net
