// EvaluateSegment and NextSegmentBoundary: Notifuse's segmentation e2e expectations (reference
// §8) at the evaluator level, the leaf semantics tally adds (D15), and next-boundary
// correctness: the answer holds until the boundary and a window's change shows exactly there.
#include "engine/segment_eval.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

constexpr TimeUs kNow = kTestNowUs;
constexpr TimeUs kDay = kTestDayUs;

PlainEvent Purchase(std::int64_t cents, TimeUs at = kNow - kDay, std::string name = "") {
  return PlainEvent{GoalType::kPurchase, std::move(name), cents, at, false};
}

std::string Leaf(const std::string& type, const std::string& aggregate, const std::string& op,
                 const std::string& value, const std::string& extra = "") {
  return GoalLeafJson(R"("goal_type":")" + type + R"(","aggregate_operator":")" + aggregate +
                      R"(","operator":")" + op + R"(","value":)" + value +
                      R"(,"timeframe_operator":"anytime")" + extra);
}

std::string Days(int days) {
  return R"(,"timeframe_operator":"in_the_last_days","timeframe_values":[")" +
         std::to_string(days) + "\"]";
}

// 2024-06-01 minus n days, as YYYY-MM-DD (kNow is midnight UTC).
std::string DateDaysAgo(int n) {
  const date::sys_days day{date::days{(kNow - n * kDay) / kDay}};
  return date::format("%F", day);
}

// segments.preview's total_count over a workspace of contacts.
int CountMatches(const std::string& tree_json, const std::vector<PlainContact>& contacts,
                 TimeUs now = kNow) {
  const SegmentTree tree = MustParse(tree_json);
  int count = 0;
  for (const PlainContact& contact : contacts) {
    count += EvaluateSegment(tree, PlainContactFacts(contact), now) ? 1 : 0;
  }
  return count;
}

const PlainContact kNonBuyer{};

TEST(SegmentE2eTest, SumThresholdsExcludeNonBuyers) {
  const std::vector<PlainContact> contacts = {
      {{Purchase(50000)}}, {{Purchase(15000)}}, {{Purchase(5000)}}, kNonBuyer};
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "gte", "200"), contacts), 1);
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "gte", "100"), contacts), 2);
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "lte", "100"), contacts), 1);
}

TEST(SegmentE2eTest, CountWithGoalName) {
  PlainContact five, two;
  for (int i = 0; i < 5; ++i) five.events.push_back(Purchase(1000, kNow - i * kDay, "txn"));
  for (int i = 0; i < 2; ++i) two.events.push_back(Purchase(1000, kNow - i * kDay, "txn"));
  const std::vector<PlainContact> contacts = {five, two, kNonBuyer};
  EXPECT_EQ(CountMatches(Leaf("purchase", "count", "gte", "4", R"(,"goal_name":"txn")"), contacts),
            1);
  EXPECT_EQ(CountMatches(Leaf("purchase", "count", "eq", "2", R"(,"goal_name":"txn")"), contacts),
            1);
}

TEST(SegmentE2eTest, AverageMinimumAndMaximum) {
  const std::vector<PlainContact> averages = {{{Purchase(10000), Purchase(20000)}},
                                              {{Purchase(2000), Purchase(3000)}}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "avg", "gte", "100"), averages), 1);
  const std::vector<PlainContact> extremes = {{{Purchase(1000), Purchase(5000), Purchase(10000)}},
                                              {{Purchase(20000), Purchase(30000)}}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "min", "gte", "100"), extremes), 1);
  EXPECT_EQ(CountMatches(Leaf("purchase", "max", "gte", "200"), extremes), 1);
}

TEST(SegmentE2eTest, BetweenIsInclusive) {
  const std::vector<PlainContact> contacts = {{{Purchase(5000), Purchase(2500)}},
                                              {{Purchase(5000)}},
                                              {{Purchase(10000)}},
                                              {{Purchase(10001)}}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "between", "50", R"(,"value_2":100)"), contacts),
            3);
}

TEST(SegmentE2eTest, GoalTypeFilterAndWildcard) {
  PlainContact mixed;
  mixed.events = {Purchase(1000),
                  {GoalType::kSubscription, "", 4999, kNow - kDay, false},
                  {GoalType::kLead, "", std::nullopt, kNow - kDay, false}};
  const std::vector<PlainContact> contacts = {mixed, {{Purchase(1000)}}};
  EXPECT_EQ(CountMatches(Leaf("subscription", "count", "gte", "1"), contacts), 1);
  EXPECT_EQ(CountMatches(Leaf("*", "count", "gte", "3"), contacts), 1);
}

TEST(SegmentE2eTest, WildcardNeverCountsEventsWithoutGoalType) {
  PlainContact plain;
  plain.events = {{GoalType::kNone, "", 1000, kNow, false},
                  {GoalType::kNone, "", 1000, kNow, false}};
  EXPECT_EQ(CountMatches(Leaf("*", "count", "gte", "0"), {plain}), 0);
}

TEST(SegmentE2eTest, GoalNameFilterIsExact) {
  const std::vector<PlainContact> contacts = {{{Purchase(9900, kNow, "premium_plan")}},
                                              {{Purchase(9900, kNow, "basic_plan")}},
                                              {{Purchase(9900, kNow, "Premium_plan")}}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "count", "gte", "1", R"(,"goal_name":"premium_plan")"),
                         contacts),
            1);
}

TEST(SegmentE2eTest, SoftDeletedEventsDoNotCount) {
  PlainContact contact;
  contact.events = {Purchase(10000), Purchase(10000), Purchase(10000)};
  contact.events[0].deleted = true;
  contact.events[1].deleted = true;
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "gte", "300"), {contact}), 0);
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "eq", "100"), {contact}), 1);
}

TEST(SegmentE2eTest, LastDaysWindowCountsOnlyRecentEvents) {
  const PlainContact contact{{Purchase(10000, kNow - kDay), Purchase(10000, kNow - 30 * kDay)}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "gte", "50", Days(7)), {contact}), 1);
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "gte", "150", Days(7)), {contact}), 0);
  const PlainContact old_only{{Purchase(10000, kNow - 30 * kDay)}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "sum", "gte", "0", Days(7)), {old_only}), 0);
}

TEST(SegmentE2eTest, DateOnlyTimeframes) {
  const PlainContact ten_days{{Purchase(10000, kNow - 10 * kDay)}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "count", "gte", "1",
                              R"(,"timeframe_operator":"in_date_range","timeframe_values":[")" +
                                  DateDaysAgo(15) + "\",\"" + DateDaysAgo(5) + "\"]"),
                         {ten_days}),
            1);
  const PlainContact sixty_days{{Purchase(10000, kNow - 60 * kDay)}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "count", "gte", "1",
                              R"(,"timeframe_operator":"before_date","timeframe_values":[")" +
                                  DateDaysAgo(30) + "\"]"),
                         {sixty_days, ten_days}),
            1);
  const PlainContact recent{{Purchase(10000, kNow - kDay / 2)}};
  EXPECT_EQ(CountMatches(Leaf("purchase", "count", "gte", "1",
                              R"(,"timeframe_operator":"after_date","timeframe_values":[")" +
                                  DateDaysAgo(7) + "\"]"),
                         {recent, ten_days}),
            1);
}

TEST(SegmentE2eTest, EndDayOfDateRangeIsIncludedInTheSegmentZone) {
  // 2024-05-31T23:30-04:00 is June 1 in UTC, but still May 31 in New York.
  const PlainContact late{
      {Purchase(100, UtcDayUs(2024, 6, 1) + 3 * 3600 * kTestSecondUs + 30 * 60 * kTestSecondUs)}};
  const std::string tree = Leaf("purchase", "count", "gte", "1",
                                R"(,"timeframe_operator":"in_date_range",)"
                                R"("timeframe_values":["2024-05-01","2024-05-31"])");
  EXPECT_TRUE(Matches(tree, late, kNow + kDay, "America/New_York"));
  EXPECT_FALSE(Matches(tree, late, kNow + kDay, "UTC"));
}

TEST(SegmentEvalTest, ZeroMatchingEventsNeverMatchAGoalLeaf) {
  for (const char* op : {R"("lte","value":100)", R"("eq","value":0)", R"("gte","value":-5)"}) {
    const std::string tree = GoalLeafJson(
        R"("goal_type":"purchase","aggregate_operator":"count","timeframe_operator":"anytime",)"
        R"("operator":)" +
        std::string(op));
    EXPECT_FALSE(Matches(tree, kNonBuyer, kNow)) << tree;
  }
}

TEST(SegmentEvalTest, NotExpressesNeverBoughtAndLapsedCustomers) {
  const std::string never_bought = BranchJson("not", {Leaf("purchase", "count", "gte", "1")});
  EXPECT_TRUE(Matches(never_bought, kNonBuyer, kNow));
  EXPECT_FALSE(Matches(never_bought, {{Purchase(100)}}, kNow));
  // S4: NOT(purchase count ≥ 1 in the last 90 days) AND purchase sum ≥ 500.
  const std::string lapsed_vip =
      BranchJson("and", {BranchJson("not", {Leaf("purchase", "count", "gte", "1", Days(90))}),
                         Leaf("purchase", "sum", "gte", "500")});
  EXPECT_TRUE(Matches(lapsed_vip, {{Purchase(60000, kNow - 100 * kDay)}}, kNow));
  EXPECT_FALSE(Matches(lapsed_vip, {{Purchase(60000, kNow - 10 * kDay)}}, kNow));
  EXPECT_FALSE(Matches(lapsed_vip, {{Purchase(100, kNow - 100 * kDay)}}, kNow));
  EXPECT_FALSE(Matches(lapsed_vip, kNonBuyer, kNow));
}

TEST(SegmentEvalTest, MinMaxAvgOverEventsWithoutValuesDoNotMatch) {
  const PlainContact unvalued{{{GoalType::kLead, "", std::nullopt, kNow, false}}};
  for (const char* aggregate : {"min", "max", "avg"}) {
    EXPECT_FALSE(Matches(Leaf("lead", aggregate, "lte", "1000"), unvalued, kNow)) << aggregate;
  }
  // Count counts them, and sum treats a missing value as 0.
  EXPECT_TRUE(Matches(Leaf("lead", "count", "eq", "1"), unvalued, kNow));
  EXPECT_TRUE(Matches(Leaf("lead", "sum", "eq", "0"), unvalued, kNow));
}

TEST(SegmentEvalTest, EqualityIsExactInCents) {
  const PlainContact contact{{Purchase(10), Purchase(20)}};
  EXPECT_TRUE(Matches(Leaf("purchase", "sum", "eq", "0.3"), contact, kNow));
  EXPECT_TRUE(Matches(Leaf("purchase", "avg", "eq", "0.15"), contact, kNow));
  EXPECT_FALSE(Matches(Leaf("purchase", "sum", "eq", "0.30000000000000004"), contact, kNow));
}

TEST(SegmentEvalTest, TimelineLeafCountsZeroAsAMatch) {
  const PlainContact contact{{}, {{"custom_event.orders", kNow - kDay}}};
  const auto timeline = [](const std::string& op, int count) {
    return TimelineLeafJson(R"("kind":"custom_event.refund","count_operator":")" + op +
                            R"(","count_value":)" + std::to_string(count));
  };
  EXPECT_TRUE(Matches(timeline("exactly", 0), contact, kNow));
  EXPECT_TRUE(Matches(timeline("at_most", 0), contact, kNow));
  EXPECT_FALSE(Matches(timeline("at_least", 1), contact, kNow));
  EXPECT_TRUE(Matches(timeline("at_least", 0), kNonBuyer, kNow));
}

// --- next boundary ---------------------------------------------------------------------------

std::optional<TimeUs> Boundary(const std::string& tree_json, const PlainContact& contact,
                               TimeUs now) {
  return NextSegmentBoundary(MustParse(tree_json), PlainContactFacts(contact), now);
}

TEST(SegmentBoundaryTest, EventLeavesItsWindowExactlyAtTheBoundary) {
  const TimeUs at = kNow - 2 * kDay;
  const PlainContact contact{{Purchase(100, at)}};
  const std::string tree = Leaf("purchase", "count", "gte", "1", Days(7));
  ASSERT_EQ(Boundary(tree, contact, kNow), at + 7 * kDay);
  EXPECT_TRUE(Matches(tree, contact, at + 7 * kDay - 1));
  EXPECT_FALSE(Matches(tree, contact, at + 7 * kDay));
  EXPECT_EQ(Boundary(tree, contact, at + 7 * kDay), std::nullopt);
}

TEST(SegmentBoundaryTest, NegatedWindowJoinsAtTheBoundary) {
  const TimeUs at = kNow - 30 * kDay;
  const PlainContact contact{{Purchase(100, at)}};
  const std::string tree = BranchJson("not", {Leaf("purchase", "count", "gte", "1", Days(90))});
  ASSERT_EQ(Boundary(tree, contact, kNow), at + 90 * kDay);
  EXPECT_FALSE(Matches(tree, contact, at + 90 * kDay - 1));
  EXPECT_TRUE(Matches(tree, contact, at + 90 * kDay));
}

TEST(SegmentBoundaryTest, BoundaryWithoutChangeIsFollowedByTheNextOne) {
  const PlainContact contact{{Purchase(100, kNow - 5 * kDay), Purchase(100, kNow - 3 * kDay)}};
  const std::string tree = Leaf("purchase", "count", "gte", "1", Days(7));
  const TimeUs first = kNow + 2 * kDay;
  ASSERT_EQ(Boundary(tree, contact, kNow), first);
  EXPECT_TRUE(Matches(tree, contact, first));  // one event left, still a match
  const TimeUs second = kNow + 4 * kDay;
  ASSERT_EQ(Boundary(tree, contact, first), second);
  EXPECT_TRUE(Matches(tree, contact, second - 1));
  EXPECT_FALSE(Matches(tree, contact, second));
}

TEST(SegmentBoundaryTest, SumDropsBelowThresholdWhenTheOldestEventLeaves) {
  const PlainContact contact{{Purchase(6000, kNow - 20 * kDay), Purchase(6000, kNow - 10 * kDay)}};
  const std::string tree = Leaf("purchase", "sum", "gte", "100", Days(30));
  ASSERT_EQ(Boundary(tree, contact, kNow), kNow + 10 * kDay);
  EXPECT_TRUE(Matches(tree, contact, kNow + 10 * kDay - 1));
  EXPECT_FALSE(Matches(tree, contact, kNow + 10 * kDay));
}

TEST(SegmentBoundaryTest, FixedTimeframesHaveNoBoundary) {
  const PlainContact contact{{Purchase(100, kNow - kDay)}, {{"contact.created", kNow - kDay}}};
  EXPECT_EQ(Boundary(Leaf("purchase", "count", "gte", "1"), contact, kNow), std::nullopt);
  EXPECT_EQ(
      Boundary(Leaf("purchase", "count", "gte", "1",
                    R"(,"timeframe_operator":"before_date","timeframe_values":["2024-06-05"])"),
               contact, kNow),
      std::nullopt);
  EXPECT_EQ(Boundary(TimelineLeafJson(R"("kind":"contact.created","count_operator":"at_least",)"
                                      R"("count_value":1)"),
                     contact, kNow),
            std::nullopt);
}

TEST(SegmentBoundaryTest, WindowWithNothingInItHasNoBoundary) {
  const PlainContact contact{{Purchase(100, kNow - 30 * kDay)}};
  EXPECT_EQ(Boundary(Leaf("purchase", "count", "gte", "1", Days(7)), contact, kNow), std::nullopt);
  // Deleted events and other goal types do not count.
  PlainContact other{{Purchase(100, kNow - kDay)}};
  other.events[0].deleted = true;
  other.events.push_back({GoalType::kLead, "", 100, kNow - kDay, false});
  EXPECT_EQ(Boundary(Leaf("purchase", "count", "gte", "1", Days(7)), other, kNow), std::nullopt);
}

TEST(SegmentBoundaryTest, TimelineWindowBoundary) {
  const PlainContact contact{{}, {{"custom_event.orders", kNow - kDay}}};
  const std::string tree =
      TimelineLeafJson(R"("kind":"custom_event.orders","count_operator":"exactly","count_value":0,)"
                       R"("timeframe_operator":"in_the_last_days","timeframe_values":["3"])");
  ASSERT_EQ(Boundary(tree, contact, kNow), kNow + 2 * kDay);
  EXPECT_FALSE(Matches(tree, contact, kNow + 2 * kDay - 1));
  EXPECT_TRUE(Matches(tree, contact, kNow + 2 * kDay));
}

TEST(SegmentBoundaryTest, EarliestLeafBoundaryWinsAcrossBranches) {
  const PlainContact contact{{Purchase(100, kNow - 6 * kDay),
                              {GoalType::kLead, "", std::nullopt, kNow - 25 * kDay, false}}};
  const std::string tree =
      BranchJson("or", {Leaf("purchase", "count", "gte", "1", Days(30)),
                        BranchJson("and", {Leaf("lead", "count", "gte", "1", Days(30))})});
  EXPECT_EQ(Boundary(tree, contact, kNow), kNow + 5 * kDay);
}

// Random contacts and windowed trees: the answer is the same at every instant before the
// boundary, and without a boundary it never changes.
TEST(SegmentBoundaryTest, AnswerIsConstantUntilTheBoundary) {
  std::mt19937_64 rng(424242);
  const std::vector<std::string> leaves = {
      Leaf("purchase", "count", "gte", "2", Days(7)),
      Leaf("purchase", "sum", "gte", "100", Days(30)),
      Leaf("*", "max", "gte", "50", Days(3)),
      Leaf("purchase", "avg", "lte", "40", Days(14)),
      Leaf("lead", "count", "gte", "1"),
      TimelineLeafJson(R"("kind":"contact.created","count_operator":"exactly","count_value":1,)"
                       R"("timeframe_operator":"in_the_last_days","timeframe_values":["10"])")};
  int boundaries = 0;
  for (int round = 0; round < 300; ++round) {
    PlainContact contact;
    for (int i = 0, n = static_cast<int>(rng() % 6); i < n; ++i) {
      contact.events.push_back({rng() % 3 ? GoalType::kPurchase : GoalType::kLead, "",
                                static_cast<std::int64_t>(rng() % 12000),
                                kNow - static_cast<TimeUs>(rng() % (40 * kDay)), rng() % 6 == 0});
    }
    if (rng() % 2)
      contact.timeline.push_back(
          {"contact.created", kNow - static_cast<TimeUs>(rng() % (12 * kDay))});
    std::string tree = leaves[rng() % leaves.size()];
    if (rng() % 2)
      tree = BranchJson(rng() % 2 ? "and" : "or", {tree, leaves[rng() % leaves.size()]});
    if (rng() % 3 == 0) tree = BranchJson("not", {tree});
    const SegmentTree parsed = MustParse(tree);
    const PlainContactFacts facts(contact);
    const bool at_now = EvaluateSegment(parsed, facts, kNow);
    const std::optional<TimeUs> boundary = NextSegmentBoundary(parsed, facts, kNow);
    const TimeUs end = boundary ? *boundary : kNow + 400 * kDay;
    for (int sample = 0; sample < 20; ++sample) {
      const TimeUs t = kNow + static_cast<TimeUs>(rng() % static_cast<std::uint64_t>(end - kNow));
      ASSERT_EQ(EvaluateSegment(parsed, facts, t), at_now) << tree << " at +" << (t - kNow);
    }
    ASSERT_EQ(EvaluateSegment(parsed, facts, end - 1), at_now) << tree;
    if (!boundary) {
      ASSERT_EQ(EvaluateSegment(parsed, facts, end), at_now) << tree;
    } else {
      ++boundaries;
    }
  }
  EXPECT_GT(boundaries, 50);
}

}  // namespace
}  // namespace tally::engine
