// SegmentValue: the number a custom_events_goal leaf compares an aggregate with, held exactly
// in hundredths so that comparisons with stored goal values (integer cents, D19) are exact.
//
// A leaf's `value` arrives as a JSON number (a double). Its shortest decimal text is the number
// the user meant ("0.3", "100.005"), so the value is kept as floor(value × 100) plus whether a
// fraction of a cent remains; gte/lte/eq/between against an integer number of cents are then
// exact: `sum gte 100.005` needs 10001 cents, `sum lte 100.005` allows 10000, and `eq 100.005`
// never matches. Averages are not whole cents; they are compared as doubles with the value's
// nearest double (exact whenever the value has at most two decimals).
//
// Value type; pure functions; thread safe.
#pragma once

#include <cstdint>

#include "log/result.h"

namespace tally::engine {

class SegmentValue {
 public:
  SegmentValue() = default;

  // `value` must be finite with |value| < kGoalValueAbsLimit (1e13, as goal_value itself);
  // otherwise kInvalidArgument "<field> must be a finite number with absolute value less than
  // 1e13".
  static Result<SegmentValue> FromDouble(double value, const char* field);

  double value() const { return value_; }

  // Whether an amount of `cents` hundredths is ≥, ≤ or = this value; exact.
  bool CentsAtLeast(std::int64_t cents) const {
    return cents >= floor_cents_ + (fraction_ ? 1 : 0);
  }
  bool CentsAtMost(std::int64_t cents) const { return cents <= floor_cents_; }
  bool CentsEqual(std::int64_t cents) const { return !fraction_ && cents == floor_cents_; }

  // The least whole number of cents that is ≥ this value and the greatest that is ≤ it:
  // CentsAtLeast(c) is c ≥ CeilCents(), CentsAtMost(c) is c ≤ FloorCents(), and CentsEqual(c)
  // is both (never, when a fraction of a cent remains).
  std::int64_t CeilCents() const { return floor_cents_ + (fraction_ ? 1 : 0); }
  std::int64_t FloorCents() const { return floor_cents_; }
  // The value in hundredths as the nearest double, which averages are compared with.
  double AverageCents() const { return cents_; }

  // The same for an average in hundredths.
  bool CentsAtLeast(double cents) const { return cents >= cents_; }
  bool CentsAtMost(double cents) const { return cents <= cents_; }
  bool CentsEqual(double cents) const { return cents == cents_; }

 private:
  double value_ = 0;
  std::int64_t floor_cents_ = 0;  // floor(value × 100), exact
  bool fraction_ = false;         // value × 100 is not a whole number
  double cents_ = 0;              // value × 100 as the nearest double
};

}  // namespace tally::engine
