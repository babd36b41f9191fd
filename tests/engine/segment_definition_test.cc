// ValidateSegmentInput: segments.create / segments.update field rules and their messages.
#include "engine/segment_definition.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

SegmentInput Valid() {
  return SegmentInput{
      "vip_2024", "VIP", "#ff0000",
      GoalLeafJson(R"("goal_type":"purchase","aggregate_operator":"sum",)"
                   R"("operator":"gte","value":1000,"timeframe_operator":"anytime")"),
      "Europe/Paris"};
}

std::string ErrorOf(const SegmentInput& input,
                    SegmentRequestKind kind = SegmentRequestKind::kCreate) {
  Result<SegmentTree> tree = ValidateSegmentInput(input, kind);
  return tree.ok() ? "ok" : std::string(tree.status().message());
}

TEST(SegmentDefinitionTest, ValidInputParsesItsTreeInItsZone) {
  Result<SegmentTree> tree = ValidateSegmentInput(Valid(), SegmentRequestKind::kCreate);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(tree->zone.name(), "Europe/Paris");
}

TEST(SegmentDefinitionTest, FieldErrorsNameTheRequest) {
  SegmentInput input = Valid();
  input.id = "";
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: id is required");
  EXPECT_EQ(ErrorOf(input, SegmentRequestKind::kUpdate),
            "invalid update segment request: id is required");
  input.id = "VIP";
  EXPECT_EQ(ErrorOf(input),
            "invalid create segment request: id must contain only lowercase letters, numbers, and "
            "underscores");
  input.id = "vip-2024";
  EXPECT_EQ(ErrorOf(input),
            "invalid create segment request: id must contain only lowercase letters, numbers, and "
            "underscores");
  input.id = std::string(33, 'a');
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: id must be 32 characters or less");
  input.id = std::string(32, 'a');
  EXPECT_EQ(ErrorOf(input), "ok");
  input.name = "";
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: name is required");
  input.name = std::string(256, 'n');
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: name must be 255 characters or less");
  input.name = std::string(255, 'n');
  input.color = std::string(51, 'c');
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: color must be 50 characters or less");
  input.color = "";
  EXPECT_EQ(ErrorOf(input), "ok");
}

TEST(SegmentDefinitionTest, TreeAndZoneErrorsAreReported) {
  SegmentInput input = Valid();
  input.tree_json = "";
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: tree is required");
  input.tree_json = "null";
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: tree is required");
  input.tree_json = R"({"kind":"leaf","leaf":{"source":"contacts"}})";
  EXPECT_EQ(ErrorOf(input),
            "invalid create segment request: invalid tree: unsupported source: contacts");
  input = Valid();
  input.timezone = "Europe/Pariss";
  EXPECT_EQ(ErrorOf(input), "invalid create segment request: invalid timezone: Europe/Pariss");
  input.timezone = "";
  EXPECT_EQ(ErrorOf(input), "ok");
}

}  // namespace
}  // namespace tally::engine
