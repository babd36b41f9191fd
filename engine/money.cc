#include "engine/money.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "log/assert.h"

namespace tally::engine {

std::int64_t RoundToCents(double value) {
  TALLY_ASSERT(std::isfinite(value) && std::fabs(value) < kGoalValueAbsLimit);
  // Fixed notation with no precision gives the shortest round-trip text, never an exponent.
  char buf[64];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof(buf), std::fabs(value), std::chars_format::fixed);
  TALLY_ASSERT(ec == std::errc());
  std::int64_t cents = 0;
  const char* p = buf;
  for (; p < end && *p != '.'; ++p) cents = cents * 10 + (*p - '0');
  int fraction_digits = 0;
  bool round_up = false;
  if (p < end) ++p;  // skip '.'
  for (; p < end; ++p, ++fraction_digits) {
    if (fraction_digits < 2) {
      cents = cents * 10 + (*p - '0');
    } else {
      // The text is exact, so "at least half a cent" is decided by the third digit alone.
      round_up = *p >= '5';
      break;
    }
  }
  for (; fraction_digits < 2; ++fraction_digits) cents *= 10;
  if (round_up) ++cents;
  TALLY_ASSERT(cents <= kGoalValueCentsAbsLimit);
  return std::signbit(value) ? -cents : cents;
}

std::string CentsToJsonNumber(std::int64_t cents) {
  const std::uint64_t magnitude =
      cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  std::string out = cents < 0 ? "-" : "";
  out += std::to_string(magnitude / 100);
  const std::uint64_t fraction = magnitude % 100;
  if (fraction != 0) {
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) out += static_cast<char>('0' + fraction % 10);
  }
  return out;
}

}  // namespace tally::engine
