#include "engine/clock.h"

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1'000);
  EXPECT_EQ(clock.NowUs(), 1'000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowUs(), 1'500);
  clock.Set(42);
  EXPECT_EQ(clock.NowUs(), 42);
}

TEST(ClockTest, SystemClockIsAfter2020) {
  SystemClock clock;
  constexpr TimeUs k2020 = 1'577'836'800'000'000;  // 2020-01-01T00:00:00Z
  EXPECT_GT(clock.NowUs(), k2020);
}

}  // namespace
}  // namespace tally::engine
