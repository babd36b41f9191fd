#include "engine/segment_value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/money.h"
#include "log/assert.h"

namespace tally::engine {

Result<SegmentValue> SegmentValue::FromDouble(double value, const char* field) {
  if (!std::isfinite(value) || std::fabs(value) >= kGoalValueAbsLimit) {
    return Status::InvalidArgument(std::string(field) +
                                   " must be a finite number with absolute value less than 1e13");
  }
  // Fixed notation with no precision is the shortest text that round-trips, never an exponent,
  // so it is exactly the decimal number the client wrote (when it wrote one a double can hold).
  char buf[64];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof(buf), std::fabs(value), std::chars_format::fixed);
  TALLY_ASSERT(ec == std::errc());
  std::int64_t magnitude = 0;
  const char* p = buf;
  for (; p < end && *p != '.'; ++p) magnitude = magnitude * 10 + (*p - '0');
  if (p < end) ++p;  // skip '.'
  int fraction_digits = 0;
  bool remainder = false;
  for (; p < end; ++p, ++fraction_digits) {
    if (fraction_digits < 2) {
      magnitude = magnitude * 10 + (*p - '0');
    } else if (*p != '0') {
      remainder = true;
    }
  }
  for (; fraction_digits < 2; ++fraction_digits) magnitude *= 10;
  TALLY_ASSERT(magnitude <= kGoalValueCentsAbsLimit);

  SegmentValue out;
  out.value_ = value;
  out.fraction_ = remainder;
  // floor() of a negative number with a remainder lies one cent further from zero.
  out.floor_cents_ = std::signbit(value) ? -magnitude - (remainder ? 1 : 0) : magnitude;
  // Parsing the decimal text shifted by two places gives the correctly rounded double of
  // value × 100, which value * 100.0 would not (0.29 * 100 is 28.999999999999996).
  std::string shifted(buf, end);
  shifted += "e2";
  out.cents_ = std::strtod(shifted.c_str(), nullptr);
  if (std::signbit(value)) out.cents_ = -out.cents_;
  return out;
}

}  // namespace tally::engine
