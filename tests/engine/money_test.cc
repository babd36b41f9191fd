#include "engine/money.h"

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

TEST(MoneyTest, RoundsHalfAwayFromZeroOnTheShortestText) {
  EXPECT_EQ(RoundToCents(0.0), 0);
  EXPECT_EQ(RoundToCents(99.99), 9999);
  EXPECT_EQ(RoundToCents(0.125), 13);
  EXPECT_EQ(RoundToCents(-0.125), -13);
  EXPECT_EQ(RoundToCents(1.005), 101);  // the double is below 1.005, its shortest text is not
  EXPECT_EQ(RoundToCents(2.675), 268);
  EXPECT_EQ(RoundToCents(0.0049999), 0);
  EXPECT_EQ(RoundToCents(-50), -5000);
  EXPECT_EQ(RoundToCents(1e-7), 0);
  EXPECT_EQ(RoundToCents(9'999'999'999'999.99), 999'999'999'999'999);
}

TEST(MoneyTest, CentsPrintAsTheDecimalAClientSent) {
  EXPECT_EQ(CentsToJsonNumber(9999), "99.99");
  EXPECT_EQ(CentsToJsonNumber(10000), "100");
  EXPECT_EQ(CentsToJsonNumber(-5000), "-50");
  EXPECT_EQ(CentsToJsonNumber(5), "0.05");
  EXPECT_EQ(CentsToJsonNumber(-150), "-1.5");
  EXPECT_EQ(CentsToJsonNumber(0), "0");
}

}  // namespace
}  // namespace tally::engine
