// SegmentValue: a leaf's JSON number compared with amounts in hundredths, exactly.
#include "engine/segment_value.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

SegmentValue Value(double v) {
  return SegmentValue::FromDouble(v, "value").value();
}

TEST(SegmentValueTest, WholeCentValuesCompareExactly) {
  const SegmentValue v = Value(0.3);  // 0.3 is not a double, but the client meant 30 cents
  EXPECT_TRUE(v.CentsEqual(std::int64_t{30}));
  EXPECT_TRUE(v.CentsAtLeast(std::int64_t{30}));
  EXPECT_TRUE(v.CentsAtMost(std::int64_t{30}));
  EXPECT_FALSE(v.CentsAtLeast(std::int64_t{29}));
  EXPECT_FALSE(v.CentsAtMost(std::int64_t{31}));
  EXPECT_TRUE(Value(0.29).CentsEqual(std::int64_t{29}));  // 0.29 * 100 is 28.999999999999996
  EXPECT_TRUE(Value(1e12 + 0.01).CentsEqual(std::int64_t{100'000'000'000'001}));
}

TEST(SegmentValueTest, FractionsOfACentRoundTowardsTheComparison) {
  const SegmentValue v = Value(100.005);
  EXPECT_FALSE(v.CentsAtLeast(std::int64_t{10000}));
  EXPECT_TRUE(v.CentsAtLeast(std::int64_t{10001}));
  EXPECT_TRUE(v.CentsAtMost(std::int64_t{10000}));
  EXPECT_FALSE(v.CentsAtMost(std::int64_t{10001}));
  EXPECT_FALSE(v.CentsEqual(std::int64_t{10000}));
  EXPECT_FALSE(v.CentsEqual(std::int64_t{10001}));
}

TEST(SegmentValueTest, NegativeValuesKeepTheirFloor) {
  const SegmentValue v = Value(-50.005);  // -5000.5 cents
  EXPECT_TRUE(v.CentsAtLeast(std::int64_t{-5000}));
  EXPECT_FALSE(v.CentsAtLeast(std::int64_t{-5001}));
  EXPECT_TRUE(v.CentsAtMost(std::int64_t{-5001}));
  EXPECT_FALSE(v.CentsAtMost(std::int64_t{-5000}));
  EXPECT_TRUE(Value(-50).CentsEqual(std::int64_t{-5000}));
}

TEST(SegmentValueTest, AveragesCompareAsHundredths) {
  const SegmentValue v = Value(33.33);
  EXPECT_TRUE(v.CentsAtLeast(10000.0 / 3));  // 3333.33… cents
  EXPECT_FALSE(v.CentsEqual(10000.0 / 3));
  EXPECT_TRUE(Value(12.5).CentsEqual(1250.0));
}

TEST(SegmentValueTest, ValuesOutsideTheGoalValueLimitAreRejected) {
  EXPECT_EQ(SegmentValue::FromDouble(1e13, "value_2").status(),
            Status::InvalidArgument(
                "value_2 must be a finite number with absolute value less than 1e13"));
  EXPECT_FALSE(SegmentValue::FromDouble(std::numeric_limits<double>::infinity(), "value").ok());
  EXPECT_FALSE(SegmentValue::FromDouble(std::nan(""), "value").ok());
  EXPECT_TRUE(SegmentValue::FromDouble(-9999999999999.99, "value").ok());
}

}  // namespace
}  // namespace tally::engine
