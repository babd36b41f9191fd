// Timeframes: date-only values as whole local days in the segment's zone (DST days, zones far
// from UTC, a midnight that does not exist), RFC 3339 instants as Go parses them, and windows.
#include "engine/segment_timeframe.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

constexpr TimeUs kHourUs = 3600 * kTestSecondUs;

TimeRange Range(const std::string& op, const std::vector<std::string>& values,
                const std::string& zone = "UTC") {
  Result<SegmentTimeZone> tz = SegmentTimeZone::Find(zone);
  if (!tz.ok()) throw std::runtime_error(tz.status().ToString());
  Result<SegmentTimeframe> timeframe = ParseSegmentTimeframe(op, values, *tz);
  if (!timeframe.ok()) throw std::runtime_error(timeframe.status().ToString());
  return timeframe->Resolve(kTestNowUs);
}

Status ParseError(const std::string& op, const std::vector<std::string>& values) {
  Result<SegmentTimeframe> timeframe =
      ParseSegmentTimeframe(op, values, SegmentTimeZone::Find("").value());
  return timeframe.ok() ? Status::Ok() : timeframe.status();
}

bool In(TimeUs t, const TimeRange& range) {
  return PlainContactFacts::InRange(t, range);
}

TEST(SegmentTimeframeTest, DateRangeIncludesTheWholeEndDay) {
  const TimeRange range = Range("in_date_range", {"2024-01-01", "2024-01-31"});
  EXPECT_FALSE(In(UtcDayUs(2024, 1, 1) - 1, range));
  EXPECT_TRUE(In(UtcDayUs(2024, 1, 1), range));
  // Notifuse's UTC-midnight end excluded everything on Jan 31 after 00:00:00 (D16).
  EXPECT_TRUE(In(UtcDayUs(2024, 1, 31) + 12 * kHourUs, range));
  EXPECT_TRUE(In(UtcDayUs(2024, 2, 1) - 1, range));
  EXPECT_FALSE(In(UtcDayUs(2024, 2, 1), range));
}

TEST(SegmentTimeframeTest, InstantRangeIsInclusiveAtBothEnds) {
  const TimeRange range = Range("in_date_range", {"2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z"});
  EXPECT_FALSE(In(UtcDayUs(2024, 1, 1) + 10 * kHourUs - 1, range));
  EXPECT_TRUE(In(UtcDayUs(2024, 1, 1) + 10 * kHourUs, range));
  EXPECT_TRUE(In(UtcDayUs(2024, 1, 1) + 11 * kHourUs, range));
  EXPECT_FALSE(In(UtcDayUs(2024, 1, 1) + 11 * kHourUs + 1, range));
}

TEST(SegmentTimeframeTest, BeforeAndAfterAreExclusive) {
  const TimeUs noon = UtcDayUs(2024, 1, 10) + 12 * kHourUs;
  const TimeRange before = Range("before_date", {"2024-01-10T12:00:00Z"});
  EXPECT_TRUE(In(noon - 1, before));
  EXPECT_FALSE(In(noon, before));
  const TimeRange after = Range("after_date", {"2024-01-10T12:00:00Z"});
  EXPECT_FALSE(In(noon, after));
  EXPECT_TRUE(In(noon + 1, after));
}

TEST(SegmentTimeframeTest, DateOnlyBeforeAndAfterExcludeTheWholeDay) {
  const TimeRange before = Range("before_date", {"2024-01-10"});
  EXPECT_TRUE(In(UtcDayUs(2024, 1, 10) - 1, before));
  EXPECT_FALSE(In(UtcDayUs(2024, 1, 10), before));
  const TimeRange after = Range("after_date", {"2024-01-10"});
  EXPECT_FALSE(In(UtcDayUs(2024, 1, 10) + 23 * kHourUs, after));
  EXPECT_FALSE(In(UtcDayUs(2024, 1, 11) - 1, after));
  EXPECT_TRUE(In(UtcDayUs(2024, 1, 11), after));
}

TEST(SegmentTimeframeTest, NewYorkSpringForwardDayLasts23Hours) {
  const TimeRange day = Range("in_date_range", {"2024-03-10", "2024-03-10"}, "America/New_York");
  EXPECT_EQ(*day.after, UtcDayUs(2024, 3, 10) + 5 * kHourUs);   // 00:00 EST = 05:00Z
  EXPECT_EQ(*day.before, UtcDayUs(2024, 3, 11) + 4 * kHourUs);  // 00:00 EDT = 04:00Z
  EXPECT_TRUE(day.after_inclusive);
  EXPECT_FALSE(day.before_inclusive);
  EXPECT_EQ(*day.before - *day.after, 23 * kHourUs);
}

TEST(SegmentTimeframeTest, NewYorkFallBackDayLasts25Hours) {
  const TimeRange day = Range("in_date_range", {"2024-11-03", "2024-11-03"}, "America/New_York");
  EXPECT_EQ(*day.after, UtcDayUs(2024, 11, 3) + 4 * kHourUs);
  EXPECT_EQ(*day.before, UtcDayUs(2024, 11, 4) + 5 * kHourUs);
  EXPECT_EQ(*day.before - *day.after, 25 * kHourUs);
}

TEST(SegmentTimeframeTest, KiritimatiDaysStartFourteenHoursBeforeUtc) {
  const TimeUs new_year = UtcDayUs(2023, 12, 31) + 10 * kHourUs;  // 2024-01-01T00:00+14:00
  EXPECT_EQ(*Range("before_date", {"2024-01-01"}, "Pacific/Kiritimati").before, new_year);
  const TimeRange after = Range("after_date", {"2024-01-01"}, "Pacific/Kiritimati");
  EXPECT_EQ(*after.after, new_year + 24 * kHourUs);
  EXPECT_TRUE(after.after_inclusive);
  // An event at 2023-12-31T12:00Z is already Jan 1 in Kiritimati, but still Dec 31 in UTC.
  const TimeUs event = UtcDayUs(2023, 12, 31) + 12 * kHourUs;
  EXPECT_TRUE(
      In(event, Range("in_date_range", {"2024-01-01", "2024-01-01"}, "Pacific/Kiritimati")));
  EXPECT_FALSE(In(event, Range("in_date_range", {"2024-01-01", "2024-01-01"}, "UTC")));
}

TEST(SegmentTimeframeTest, DayWhoseMidnightDoesNotExistStartsAtTheJump) {
  // Chile moved its clocks from 24:00 to 01:00 on 2024-09-08 (-04:00 to -03:00).
  const TimeRange day = Range("in_date_range", {"2024-09-08", "2024-09-08"}, "America/Santiago");
  EXPECT_EQ(*day.after, UtcDayUs(2024, 9, 8) + 4 * kHourUs);
  EXPECT_EQ(*day.before - *day.after, 23 * kHourUs);
}

TEST(SegmentTimeframeTest, InstantsIgnoreTheSegmentZone) {
  const TimeRange range = Range("before_date", {"2024-01-10T00:00:00Z"}, "Asia/Tokyo");
  EXPECT_EQ(*range.before, UtcDayUs(2024, 1, 10));
}

TEST(SegmentTimeframeTest, Rfc3339FormsGoAccepts) {
  const TimeUs base = UtcDayUs(2024, 3, 1) + 23 * kHourUs;
  EXPECT_EQ(*Range("before_date", {"2024-03-01T23:00:00Z"}).before, base);
  EXPECT_EQ(*Range("before_date", {"2024-03-01T23:00:00.000Z"}).before, base);  // toISOString()
  EXPECT_EQ(*Range("before_date", {"2024-03-01T23:00:00.25Z"}).before, base + 250'000);
  EXPECT_EQ(*Range("before_date", {"2024-03-02T04:30:00+05:30"}).before, base);
  EXPECT_EQ(*Range("before_date", {"2024-03-01T18:00:00-05:00"}).before, base);
  // Sub-microsecond digits round half up, as PostgreSQL stores them.
  EXPECT_EQ(*Range("before_date", {"2024-03-01T23:00:00.0000005Z"}).before, base + 1);
  EXPECT_EQ(*Range("before_date", {"2024-03-01T23:00:00.000000499Z"}).before, base);
}

TEST(SegmentTimeframeTest, MalformedTimesAreRejected) {
  for (const char* bad :
       {"2024-03-01T23:00:00", "2024-03-01 23:00:00Z", "2024-3-01T23:00:00Z", "2024-03-1",
        "2024-03-01T24:00:00Z", "2024-03-01T23:00:00+05", "2024-03-01T23:00:00+0500",
        "2024-03-01T23:00:00.Z", "2024-03-01T23:00:00.1234567891Z", "2024-03-01t23:00:00z",
        "2024-03-01x", "20240301", "2023-02-29"}) {
    EXPECT_EQ(ParseError("before_date", {bad}),
              Status::InvalidArgument("invalid time: " + std::string(bad) +
                                      " (must be an RFC 3339 time or a date YYYY-MM-DD)"))
        << bad;
  }
  EXPECT_TRUE(ParseError("before_date", {"2024-02-29"}).ok());
}

TEST(SegmentTimeframeTest, LastDaysWindowIsOpenBelowAndUnboundedAbove) {
  const TimeRange range = Range("in_the_last_days", {"7"});
  EXPECT_EQ(*range.after, kTestNowUs - 7 * kTestDayUs);
  EXPECT_FALSE(range.after_inclusive);
  EXPECT_FALSE(range.before.has_value());
  EXPECT_TRUE(In(kTestNowUs + kTestDayUs, range));  // future-dated events match, as in Notifuse
}

TEST(SegmentTimeframeTest, OnlyTheLastDaysWindowMovesWithNow) {
  const SegmentTimeZone utc = SegmentTimeZone::Find("").value();
  const SegmentTimeframe last = ParseSegmentTimeframe("in_the_last_days", {{"3"}}, utc).value();
  EXPECT_EQ(*last.Resolve(kTestNowUs + kTestDayUs).after, kTestNowUs - 2 * kTestDayUs);
  EXPECT_EQ(last.window_us(), 3 * kTestDayUs);
  const std::vector<std::string> values = {"2024-01-01", "2024-02-01"};
  const SegmentTimeframe fixed = ParseSegmentTimeframe("in_date_range", values, utc).value();
  EXPECT_EQ(fixed.Resolve(0).after, fixed.Resolve(kTestNowUs).after);
  EXPECT_EQ(fixed.Resolve(0).before, fixed.Resolve(kTestNowUs).before);
  EXPECT_EQ(fixed.window_us(), 0);
  const SegmentTimeframe anytime = ParseSegmentTimeframe("anytime", {}, utc).value();
  EXPECT_FALSE(anytime.Resolve(kTestNowUs).after.has_value());
  EXPECT_FALSE(anytime.Resolve(kTestNowUs).before.has_value());
}

}  // namespace
}  // namespace tally::engine
