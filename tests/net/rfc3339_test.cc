#include "net/rfc3339.h"

#include <gtest/gtest.h>

namespace tally::net {
namespace {

constexpr engine::TimeUs kMay1 = 1714557600LL * 1'000'000;  // 2024-05-01T10:00:00Z

TEST(Rfc3339Test, ParsesUtcAndOffsets) {
  EXPECT_EQ(*ParseRfc3339("2024-05-01T10:00:00Z"), kMay1);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T12:00:00+02:00"), kMay1);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T09:30:00-00:30"), kMay1);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T10:00:00.123456Z"), kMay1 + 123456);
}

TEST(Rfc3339Test, RoundsNanosecondsToMicroseconds) {
  EXPECT_EQ(*ParseRfc3339("2024-05-01T10:00:00.0000014Z"), kMay1 + 1);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T10:00:00.0000015Z"), kMay1 + 2);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T10:00:00.1Z"), kMay1 + 100000);
}

TEST(Rfc3339Test, RejectsWhatGoRejects) {
  for (const char* bad :
       {"2024-05-01", "2024-05-01T10:00:00", "2024-05-01 10:00:00Z", "2024-02-30T10:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00.1234567890Z",
        "2024-05-01T10:00:00+2:00", "2024-05-01T10:00:00Zjunk", "", "2024-5-01T10:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(Rfc3339Test, FormatsLikeGoRfc3339NanoInUtc) {
  EXPECT_EQ(FormatRfc3339(kMay1), "2024-05-01T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(kMay1 + 123456), "2024-05-01T10:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(kMay1 + 120000), "2024-05-01T10:00:00.12Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(Rfc3339Test, FormatThenParseIsIdentity) {
  for (engine::TimeUs t : {kMay1, kMay1 + 1, kMay1 + 999999, engine::TimeUs{0}}) {
    EXPECT_EQ(*ParseRfc3339(FormatRfc3339(t)), t);
  }
}

}  // namespace
}  // namespace tally::net
