#include "log/result.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "log/assert.h"

namespace tally {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) {
    return Status::InvalidArgument("odd");
  }
  return x / 2;
}

Result<int> Quarter(int x) {
  TALLY_ASSIGN_OR_RETURN(int half, Half(x));
  TALLY_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
}

TEST(ResultTest, HoldsError) {
  Result<int> r = Half(3);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
}

TEST(ResultTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_TRUE(Quarter(6).status().IsInvalidArgument());  // 6 -> 3 is odd
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("x");
  ASSERT_TRUE(r.ok());
  std::unique_ptr<std::string> taken = std::move(r).value();
  EXPECT_EQ(*taken, "x");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Status::NotFound("gone");
  EXPECT_DEATH({ (void)r.value(); }, "assertion failed");
}

TEST(AssertDeathTest, FailedAssertionNamesConditionAndMessage) {
  int lsn = 3;
  EXPECT_DEATH(TALLY_ASSERT_MSG(lsn == 4, "LSNs must be gap-free"),
               "assertion failed: lsn == 4 at .*LSNs must be gap-free");
}

TEST(ResultDeathTest, ResultFromOkStatusAborts) {
  EXPECT_DEATH({ Result<int> r = Status::Ok(); }, "must hold an error");
}

}  // namespace
}  // namespace tally
