// Money: goal_value conversion from the client's double to exact hundredths (D19).
//
// Pure functions, thread safe.
#pragma once

#include <cstdint>
#include <string>

namespace tally::engine {

// |goal_value| must be below this (D8): Notifuse's DECIMAL(15,2) holds 13 integer digits.
inline constexpr double kGoalValueAbsLimit = 1e13;
inline constexpr std::int64_t kGoalValueCentsAbsLimit = 1'000'000'000'000'000;  // 1e13 * 100

// Rounds half away from zero to 2 decimals, working on the shortest decimal text that
// round-trips to `value` (std::to_chars), so 0.125 becomes 13 cents and 1.005 becomes 101
// (its shortest text is "1.005", although the nearest double is slightly below it).
// Precondition: value is finite and |value| < kGoalValueAbsLimit (asserted).
std::int64_t RoundToCents(double value);

// The JSON number text of an amount in cents as a client sent it: 9999 -> "99.99",
// 10000 -> "100", -5000 -> "-50", 5 -> "0.05".
std::string CentsToJsonNumber(std::int64_t cents);

}  // namespace tally::engine
