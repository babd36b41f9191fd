// PreviewSegment over a workspace built by hand: the count and the sample equal a contact-by-
// contact evaluation, in one thread and in two, and contacts that do not exist never match.
#include "engine/segment_preview.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_index.h"
#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

class SegmentPreviewTest : public ::testing::Test {
 protected:
  // Adds `contacts` contacts with up to 4 random goal events each (of those without events,
  // one in three never created as a contact: D7 creates the others), and keeps the existing
  // ones as plain vectors too.
  void Fill(int contacts, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < contacts; ++i) {
      char email[32];
      std::snprintf(email, sizeof(email), "c%06d@x.io", i);
      Stripe& stripe = ws_.stripes[ContactStripe(email)];
      ContactEntry& entry = *stripe.contacts.try_emplace(std::string(email)).first;
      ContactState& contact = entry.second;
      PlainContact plain;
      const int n = static_cast<int>(rng() % 5);
      contact.exists = n > 0 || rng() % 3 != 0;
      for (int e = 0; e < n; ++e) {
        auto state = std::make_unique<EventState>();
        state->contact = &entry;
        state->goal_type = static_cast<GoalType>(1 + rng() % 2);  // purchase or subscription
        state->goal_value_cents = static_cast<std::int64_t>(rng() % 50000);
        state->occurred_at = kTestNowUs - static_cast<TimeUs>(rng() % (100 * kTestDayUs));
        state->seq = static_cast<std::uint64_t>(e);
        AddGoalEvent(stripe, entry, *state);
        plain.events.push_back(
            {state->goal_type, "", state->goal_value_cents, state->occurred_at, false});
        events_.push_back(std::move(state));
      }
      if (contact.exists) plains_.emplace_back(email, std::move(plain));
    }
  }

  void ExpectPreviewMatchesEvaluation(const std::string& tree_json, std::size_t limit) {
    const SegmentTree tree = MustParse(tree_json);
    std::vector<std::string> expected;
    for (const auto& [email, plain] : plains_) {
      if (EvaluateSegment(tree, PlainContactFacts(plain), kTestNowUs)) expected.push_back(email);
    }
    std::sort(expected.begin(), expected.end());
    const SegmentPreview preview = PreviewSegment(ws_, interner_, tree, kTestNowUs, limit);
    EXPECT_EQ(preview.total_count, expected.size()) << tree_json;
    expected.resize(std::min(expected.size(), limit));
    EXPECT_EQ(preview.emails, expected) << tree_json;
  }

  Workspace ws_{"w"};
  StringInterner interner_;
  std::vector<std::unique_ptr<EventState>> events_;
  std::vector<std::pair<std::string, PlainContact>> plains_;
};

const std::string kSumAtLeast200 = GoalLeafJson(
    R"("goal_type":"purchase","aggregate_operator":"sum","operator":"gte","value":200,)"
    R"("timeframe_operator":"anytime")");
const std::string kNoRecentSubscription = BranchJson(
    "not", {GoalLeafJson(R"("goal_type":"subscription","aggregate_operator":"count",)"
                         R"("operator":"gte","value":1,"timeframe_operator":"in_the_last_days",)"
                         R"("timeframe_values":["30"])")});

TEST_F(SegmentPreviewTest, SmallWorkspaceMatchesContactByContactEvaluation) {
  Fill(500, 1);
  ExpectPreviewMatchesEvaluation(kSumAtLeast200, 10);
  ExpectPreviewMatchesEvaluation(kNoRecentSubscription, 1000);
  ExpectPreviewMatchesEvaluation(BranchJson("and", {kNoRecentSubscription, kSumAtLeast200}), 0);
}

TEST_F(SegmentPreviewTest, LargeWorkspaceIsSplitBetweenThreadsWithTheSameResult) {
  Fill(static_cast<int>(kPreviewParallelContactsMin) + 5000, 2);
  for (Stripe& stripe : ws_.stripes) {
    stripe.contacts_count.store(stripe.contacts.size(), std::memory_order_relaxed);
  }
  ExpectPreviewMatchesEvaluation(kSumAtLeast200, 20);
  ExpectPreviewMatchesEvaluation(kNoRecentSubscription, 5000);
}

TEST(SegmentRequiredGoalTypeTest, OnlyGoalLeavesOutsideNotAndOrRequireEvents) {
  const auto required = [](const std::string& json) {
    return RequiredGoalType(MustParse(json).root);
  };
  EXPECT_EQ(required(kSumAtLeast200), std::optional<std::optional<GoalType>>(GoalType::kPurchase));
  EXPECT_EQ(required(kNoRecentSubscription), std::nullopt);
  EXPECT_EQ(required(BranchJson("and", {kNoRecentSubscription, kSumAtLeast200})),
            std::optional<std::optional<GoalType>>(GoalType::kPurchase));
  EXPECT_EQ(required(BranchJson("or", {kSumAtLeast200, kSumAtLeast200})), std::nullopt);
  const std::optional<std::optional<GoalType>> any = required(
      GoalLeafJson(R"("goal_type":"*","aggregate_operator":"count","operator":"gte","value":1,)"
                   R"("timeframe_operator":"anytime")"));
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(*any, std::nullopt);
}

}  // namespace
}  // namespace tally::engine
