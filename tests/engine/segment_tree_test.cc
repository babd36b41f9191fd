// ParseSegmentTree: every validation message (docs/segments.md lists them), the limits, and
// the shape of what a valid tree parses into.
#include <string>

#include <gtest/gtest.h>

#include "engine/segment_tree_parser.h"
#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

std::string ErrorOf(const std::string& tree_json, const std::string& timezone = "") {
  Result<SegmentTree> tree = ParseSegmentTree(tree_json, timezone);
  if (tree.ok()) return "ok";
  EXPECT_EQ(tree.status().code(), Status::Code::kInvalidArgument);
  return std::string(tree.status().message());
}

// A goal leaf with valid defaults, each overridable by appending a later duplicate key (the
// last duplicate wins in Boost.JSON, as in Go).
std::string Goal(const std::string& extra = "") {
  return GoalLeafJson(
      R"("goal_type":"purchase","aggregate_operator":"sum","operator":"gte","value":100,)"
      R"("timeframe_operator":"anytime")" +
      extra);
}

std::string Timeline(const std::string& extra = "") {
  return TimelineLeafJson(
      R"("kind":"custom_event.orders","count_operator":"at_least","count_value":1)" + extra);
}

TEST(SegmentTreeTest, ValidGoalLeafParsesEveryField) {
  const SegmentTree tree = MustParse(Goal(
      R"(,"goal_type":"*","goal_name":"premium","aggregate_operator":"avg","operator":"between",)"
      R"("value":50,"value_2":100.5,"timeframe_operator":"in_the_last_days",)"
      R"("timeframe_values":["30"])"));
  const auto& leaf = std::get<GoalLeaf>(tree.root.node);
  EXPECT_FALSE(leaf.goal_type.has_value());
  EXPECT_EQ(leaf.goal_name, "premium");
  EXPECT_EQ(leaf.aggregate, AggregateOp::kAvg);
  EXPECT_EQ(leaf.compare, GoalCompareOp::kBetween);
  EXPECT_EQ(leaf.value.value(), 50);
  EXPECT_EQ(leaf.value_2.value(), 100.5);
  EXPECT_EQ(leaf.timeframe.op, TimeframeOp::kInTheLastDays);
  EXPECT_EQ(leaf.timeframe.days, 30);
  EXPECT_TRUE(tree.has_relative_timeframes);
  EXPECT_EQ(tree.node_count, 1u);
  EXPECT_EQ(tree.zone.name(), "UTC");
}

TEST(SegmentTreeTest, BranchesNestAndCountTheirNodes) {
  const SegmentTree tree = MustParse(
      BranchJson("and", {Goal(), BranchJson("not", {Timeline()}), BranchJson("or", {Goal()})}),
      "Europe/Paris");
  const auto& root = std::get<SegmentBranch>(tree.root.node);
  EXPECT_EQ(root.op, BranchOp::kAnd);
  ASSERT_EQ(root.children.size(), 3u);
  const auto& negation = std::get<SegmentBranch>(root.children[1].node);
  EXPECT_EQ(negation.op, BranchOp::kNot);
  EXPECT_EQ(std::get<TimelineLeaf>(negation.children[0].node).kind, "custom_event.orders");
  EXPECT_EQ(tree.node_count, 6u);
  EXPECT_FALSE(tree.has_relative_timeframes);
  EXPECT_EQ(tree.zone.name(), "Europe/Paris");
}

TEST(SegmentTreeTest, MissingValueMeansZeroAndUnknownKeysAreIgnored) {
  const SegmentTree tree = MustParse(GoalLeafJson(
      R"("goal_type":"lead","aggregate_operator":"count","operator":"gte",)"
      R"("timeframe_operator":"anytime","timeframe_values":["ignored"],"future_key":1)"));
  EXPECT_EQ(std::get<GoalLeaf>(tree.root.node).value.value(), 0);
}

TEST(SegmentTreeTest, TreeShapeErrorsUseNotifuseMessages) {
  EXPECT_EQ(ErrorOf("null"), "tree is required");
  EXPECT_EQ(ErrorOf("[]"), "tree node must be an object");
  EXPECT_EQ(ErrorOf("{}"), "tree node must have 'kind' field");
  EXPECT_EQ(ErrorOf(R"({"kind":""})"), "tree node must have 'kind' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch"})"), "branch node must have 'branch' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":null})"), "branch node must have 'branch' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf"})"), "leaf node must have 'leaf' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"twig"})"),
            "invalid tree node kind: twig (must be 'branch' or 'leaf')");
  EXPECT_EQ(ErrorOf(R"({"kind":"Leaf","leaf":{}})"),
            "invalid tree node kind: Leaf (must be 'branch' or 'leaf')");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":"xor","leaves":[]}})"),
            "invalid branch operator: xor (must be 'and', 'or', or 'not')");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":"AND","leaves":[]}})"),
            "invalid branch operator: AND (must be 'and', 'or', or 'not')");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":"and","leaves":[]}})"),
            "branch must have at least one leaf");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":"or"}})"),
            "branch must have at least one leaf");
  EXPECT_EQ(
      ErrorOf(R"({"kind":"branch","branch":{"operator":"and","leaves":[)" + Goal() + ",null]}}"),
      "branch leaf 1 is nil");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{}})"), "leaf must have 'source' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":"custom_events_goals"}})"),
            "leaf with source 'custom_events_goals' must have 'custom_events_goal' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":"contact_timeline"}})"),
            "leaf with source 'contact_timeline' must have 'contact_timeline' field");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":"events"}})"),
            "invalid source: events (must be 'contacts', 'contact_lists', 'contact_timeline', or "
            "'custom_events_goals')");
}

TEST(SegmentTreeTest, NotBranchNeedsExactlyOneLeaf) {
  EXPECT_EQ(ErrorOf(BranchJson("not", {Goal(), Goal()})),
            "'not' branch must have exactly one leaf");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":"not","leaves":[]}})"),
            "branch must have at least one leaf");
  EXPECT_EQ(ErrorOf(BranchJson("not", {Goal()})), "ok");
}

TEST(SegmentTreeTest, ContactAndListSourcesAreUnsupported) {
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":"contacts","contact":{}}})"),
            "unsupported source: contacts");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":"contact_lists","contact_list":{}}})"),
            "unsupported source: contact_lists");
}

TEST(SegmentTreeTest, NestedErrorsArePrefixedWithTheirPath) {
  EXPECT_EQ(ErrorOf(BranchJson("and", {Goal(), BranchJson("or", {Goal(R"(,"goal_type":"x")")})})),
            "branch leaf 1: branch leaf 0: invalid goal_type: x (must be one of: purchase, "
            "subscription, lead, signup, booking, trial, other, or '*')");
}

TEST(SegmentTreeTest, WrongJsonTypesAreRejectedWithTheField) {
  EXPECT_EQ(ErrorOf(R"({"kind":1})"), "tree node 'kind' must be a string");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":[]})"), "tree node 'branch' must be an object");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":"x"})"), "tree node 'leaf' must be an object");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":"and","leaves":{}}})"),
            "branch 'leaves' must be an array");
  EXPECT_EQ(ErrorOf(R"({"kind":"branch","branch":{"operator":1,"leaves":[]}})"),
            "branch 'operator' must be a string");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":["x"]}})"),
            "leaf 'source' must be a string");
  EXPECT_EQ(
      ErrorOf(R"({"kind":"leaf","leaf":{"source":"custom_events_goals","custom_events_goal":7}})"),
      "leaf 'custom_events_goal' must be an object");
  EXPECT_EQ(ErrorOf(R"({"kind":"leaf","leaf":{"source":"contact_timeline","contact_timeline":7}})"),
            "leaf 'contact_timeline' must be an object");
  EXPECT_EQ(ErrorOf(Goal(R"(,"value":"100")")), "custom_events_goal 'value' must be a number");
  EXPECT_EQ(ErrorOf(Goal(R"(,"value_2":true)")), "custom_events_goal 'value_2' must be a number");
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_type":7)")), "custom_events_goal 'goal_type' must be a string");
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_name":false)")),
            "custom_events_goal 'goal_name' must be a string");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_values":"7")")),
            "custom_events_goal 'timeframe_values' must be an array of strings");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_values":[7])")),
            "custom_events_goal 'timeframe_values' must be an array of strings");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"kind":1)")), "contact_timeline 'kind' must be a string");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_value":1.5)")),
            "contact_timeline 'count_value' must be a whole number");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_value":"1")")),
            "contact_timeline 'count_value' must be a whole number");
}

TEST(SegmentTreeTest, MalformedJsonIsRejected) {
  EXPECT_TRUE(ErrorOf(R"({"kind":)").starts_with("tree is not valid JSON: ")) << ErrorOf("{");
  EXPECT_TRUE(ErrorOf("").starts_with("tree is not valid JSON: "));
}

TEST(SegmentTreeTest, GoalLeafErrorsUseNotifuseMessagesInItsOrder) {
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_type":"")")),
            "custom_events_goal condition must have 'goal_type'");
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_type":null,"aggregate_operator":"x")")),
            "custom_events_goal condition must have 'goal_type'");
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_type":"Purchase")")),
            "invalid goal_type: Purchase (must be one of: purchase, subscription, lead, signup, "
            "booking, trial, other, or '*')");
  EXPECT_EQ(ErrorOf(Goal(R"(,"aggregate_operator":"median","operator":"x")")),
            "invalid aggregate_operator: median (must be 'sum', 'count', 'avg', 'min', or 'max')");
  EXPECT_EQ(ErrorOf(Goal(R"(,"aggregate_operator":"")")),
            "invalid aggregate_operator:  (must be 'sum', 'count', 'avg', 'min', or 'max')");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"gt")")),
            "invalid operator: gt (must be 'gte', 'lte', 'eq', or 'between')");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"between")")), "between operator requires 'value_2'");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"between","value_2":null)")),
            "between operator requires 'value_2'");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"between","value_2":99.99)")),
            "between requires value to be less than or equal to value_2");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"between","value_2":100)")), "ok");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"gte","value_2":1)")), "ok");  // value_2 unused
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_name":")" + std::string(101, 'n') + "\"")),
            "goal_name must be 100 characters or less");
  EXPECT_EQ(ErrorOf(Goal(R"(,"goal_name":")" + std::string(100, 'n') + "\"")), "ok");
}

TEST(SegmentTreeTest, ValuesBeyondTheGoalValueLimitAreRejected) {
  EXPECT_EQ(ErrorOf(Goal(R"(,"value":1e13)")),
            "value must be a finite number with absolute value less than 1e13");
  EXPECT_EQ(ErrorOf(Goal(R"(,"value":-1e13)")),
            "value must be a finite number with absolute value less than 1e13");
  EXPECT_EQ(ErrorOf(Goal(R"(,"value":9999999999999.99)")), "ok");
  EXPECT_EQ(ErrorOf(Goal(R"(,"operator":"between","value":1,"value_2":2e13)")),
            "value_2 must be a finite number with absolute value less than 1e13");
}

TEST(SegmentTreeTest, TimeframeErrorsUseNotifuseMessages) {
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"")")),
            "invalid timeframe_operator:  (must be 'anytime', 'in_the_last_days', "
            "'in_date_range', 'before_date', or 'after_date')");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"last_week")")),
            "invalid timeframe_operator: last_week (must be 'anytime', 'in_the_last_days', "
            "'in_date_range', 'before_date', or 'after_date')");
  for (const char* op : {"in_the_last_days", "in_date_range", "before_date", "after_date"}) {
    EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":")" + std::string(op) + "\"")),
              "timeframe_values required for timeframe_operator '" + std::string(op) + "'");
    EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":")" + std::string(op) +
                           R"(","timeframe_values":[])")),
              "timeframe_values required for timeframe_operator '" + std::string(op) + "'");
  }
  EXPECT_EQ(
      ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range","timeframe_values":["2024-01-01"])")),
      "in_date_range requires 2 values (start and end)");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-01-01","2024-01-02","2024-01-03"])")),
            "in_date_range requires 2 values (start and end)");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"before_date","timeframe_values":["a","b"])")),
            "before_date requires 1 value");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"after_date","timeframe_values":["a","b"])")),
            "after_date requires 1 value");
  EXPECT_EQ(
      ErrorOf(Goal(R"(,"timeframe_operator":"in_the_last_days","timeframe_values":["1","2"])")),
      "in_the_last_days requires 1 value (number of days)");
}

TEST(SegmentTreeTest, UnparsableTimesNameTheirRole) {
  const std::string forms = " (must be an RFC 3339 time or a date YYYY-MM-DD)";
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-13-01","2024-01-02"])")),
            "invalid start time: 2024-13-01" + forms);
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-01-01","yesterday"])")),
            "invalid end time: yesterday" + forms);
  EXPECT_EQ(
      ErrorOf(Goal(R"(,"timeframe_operator":"before_date","timeframe_values":["2024-02-30"])")),
      "invalid time: 2024-02-30" + forms);
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"after_date","timeframe_values":["1/2/2024"])")),
            "invalid time: 1/2/2024" + forms);
}

TEST(SegmentTreeTest, DaysMustBeAStrictPositiveWholeNumber) {
  for (const char* bad :
       {"0", "-5", "7abc", "1.9", " 7", "+7", "", "abc", "36501", "7 ", "99999999999999999999"}) {
    EXPECT_EQ(
        ErrorOf(Goal(R"(,"timeframe_operator":"in_the_last_days","timeframe_values":[")" +
                     std::string(bad) + "\"]")),
        "invalid days value: " + std::string(bad) + " (must be a whole number from 1 to 36500)");
  }
  EXPECT_EQ(
      ErrorOf(Goal(R"(,"timeframe_operator":"in_the_last_days","timeframe_values":["36500"])")),
      "ok");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_the_last_days","timeframe_values":["007"])")),
            "ok");
}

TEST(SegmentTreeTest, ReversedDateRangeIsRejected) {
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-02-01","2024-01-31"])")),
            "invalid date range: start 2024-02-01 is after end 2024-01-31");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-01-01T00:00:01Z","2024-01-01T00:00:00Z"])")),
            "invalid date range: start 2024-01-01T00:00:01Z is after end 2024-01-01T00:00:00Z");
  // One day, and one instant, are valid ranges.
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-01-31","2024-01-31"])")),
            "ok");
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-01-01T00:00:00Z","2024-01-01T00:00:00Z"])")),
            "ok");
  // Compared as instants: 23:30 at UTC-05:00 on Jan 31 is Feb 1 in UTC, after the end day.
  EXPECT_EQ(ErrorOf(Goal(R"(,"timeframe_operator":"in_date_range",)"
                         R"("timeframe_values":["2024-01-31T23:30:00-05:00","2024-01-31"])")),
            "invalid date range: start 2024-01-31T23:30:00-05:00 is after end 2024-01-31");
}

TEST(SegmentTreeTest, TimelineLeafErrors) {
  EXPECT_EQ(ErrorOf(Timeline()), "ok");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"kind":"")")), "contact_timeline condition must have 'kind'");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"kind":")" + std::string(114, 'k') + "\"")),
            "kind must be 113 characters or less");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"kind":")" + std::string(113, 'k') + "\"")), "ok");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"kind":"segment.joined")")),
            "contact_timeline kind segment.joined cannot be used in a segment");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_operator":"more_than")")),
            "invalid count_operator: more_than (must be 'at_least', 'at_most', or 'exactly')");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_operator":"")")),
            "invalid count_operator:  (must be 'at_least', 'at_most', or 'exactly')");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_value":-1)")), "count_value must be non-negative");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_value":1000000001)")),
            "count_value must be 1000000000 or less");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"count_value":1000000000)")), "ok");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"timeframe_operator":"in_the_last_days")")),
            "timeframe_values required for timeframe_operator 'in_the_last_days'");
  EXPECT_EQ(
      ErrorOf(Timeline(R"(,"timeframe_operator":"in_the_last_days","timeframe_values":["0"])")),
      "invalid days value: 0 (must be a whole number from 1 to 36500)");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"template_id":"welcome")")),
            "contact_timeline template_id is not supported");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"filters":[{"field_name":"x"}])")),
            "contact_timeline filters are not supported");
  EXPECT_EQ(ErrorOf(Timeline(R"(,"filters":[],"template_id":"")")), "ok");
}

TEST(SegmentTreeTest, TimelineLeafWithoutTimeframeCoversAllHistory) {
  const SegmentTree tree = MustParse(Timeline());
  const auto& leaf = std::get<TimelineLeaf>(tree.root.node);
  EXPECT_EQ(leaf.timeframe.op, TimeframeOp::kAnytime);
  EXPECT_EQ(leaf.compare, TimelineCountOp::kAtLeast);
  EXPECT_EQ(leaf.count, 1u);
}

TEST(SegmentTreeTest, TimezoneMustBeAnIanaName) {
  EXPECT_EQ(ErrorOf(Goal(), "Mars/Olympus_Mons"), "invalid timezone: Mars/Olympus_Mons");
  EXPECT_EQ(ErrorOf(Goal(), "utc"), "invalid timezone: utc");
  EXPECT_EQ(ErrorOf(Goal(), "../../etc/passwd"), "invalid timezone: ../../etc/passwd");
  EXPECT_EQ(ErrorOf(Goal(), std::string(101, 'A')), "timezone must be 100 characters or less");
  EXPECT_EQ(ErrorOf(Goal(), "America/Argentina/ComodRivadavia"), "ok");
  EXPECT_EQ(ErrorOf(Goal(), "Pacific/Kiritimati"), "ok");
}

std::string Chain(std::size_t depth) {
  std::string tree = Goal();
  for (std::size_t i = 1; i < depth; ++i) tree = BranchJson("not", {tree});
  return tree;
}

TEST(SegmentTreeTest, DepthLimitIsEnforced) {
  EXPECT_EQ(ErrorOf(Chain(kSegmentTreeDepthMax)), "ok");
  const std::string too_deep = ErrorOf(Chain(kSegmentTreeDepthMax + 1));
  EXPECT_TRUE(too_deep.ends_with("tree is nested deeper than 16 levels")) << too_deep;
  // Deep enough that the JSON parser stops first.
  EXPECT_EQ(ErrorOf(Chain(200)), "tree is nested deeper than 16 levels");
}

TEST(SegmentTreeTest, NodeCountLimitIsEnforced) {
  std::vector<std::string> leaves(kSegmentTreeNodesMax - 1, Goal());
  EXPECT_EQ(ErrorOf(BranchJson("or", leaves)), "ok");
  leaves.push_back(Goal());
  EXPECT_EQ(ErrorOf(BranchJson("or", leaves)), "branch leaf 199: tree has more than 200 nodes");
}

TEST(SegmentTreeTest, JsonSizeLimitIsEnforced) {
  const std::string padded =
      Goal(R"(,"padding":")" + std::string(kSegmentTreeJsonBytesMax, 'p') + "\"");
  EXPECT_EQ(ErrorOf(padded), "tree must be 65536 bytes or less");
}

}  // namespace
}  // namespace tally::engine
