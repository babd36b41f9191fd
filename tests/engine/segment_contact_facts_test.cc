// SegmentContactFacts reads a stored contact (goal index and timeline), SegmentColumnFacts its
// goal columns first, and both must answer exactly as the plain-vector facts do for the same
// events and entries: random contacts, random trees.
#include "engine/segment_contact_facts.h"

#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_index.h"
#include "engine/segment_column_facts.h"
#include "engine/string_interner.h"
#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

// One contact stored twice: as engine state (in a stripe of its own, with its goal columns)
// and as plain vectors.
struct StoredContact {
  std::vector<std::unique_ptr<EventEntry>> entries;  // stable addresses for timeline items
  Stripe stripe;
  ContactEntry& entry = *stripe.contacts.try_emplace(std::string("c@x.io")).first;
  ContactState& state = entry.second;
  PlainContact plain;
};

void Build(std::mt19937_64& rng, StringInterner& interner, StoredContact& out) {
  const std::string* order = interner.Intern("order");
  for (int i = 0, n = static_cast<int>(rng() % 8); i < n; ++i) {
    PlainEvent e;
    e.goal_type = static_cast<GoalType>(rng() % 4);
    e.goal_name = std::vector<std::string>{"", "gold", "silver"}[rng() % 3];
    if (rng() % 4 != 0) e.cents = static_cast<std::int64_t>(rng() % 20000) - 2000;
    e.occurred_at = kTestNowUs - static_cast<TimeUs>(rng() % (40 * kTestDayUs));
    e.deleted = rng() % 5 == 0;
    out.plain.events.push_back(e);
    auto entry = std::make_unique<EventEntry>(EventKey{order, std::to_string(i)}, EventState{});
    EventState& state = entry->second;
    state.goal_type = e.goal_type;
    state.goal_name = e.goal_name.empty() ? nullptr : interner.Intern(e.goal_name);
    state.goal_value_cents = e.cents.value_or(kNoCents);
    state.occurred_at = e.occurred_at;
    state.deleted_at = e.deleted ? e.occurred_at : kNoTime;
    state.seq = static_cast<std::uint64_t>(i);
    state.contact = &out.entry;
    if (state.live() && state.goal_type != GoalType::kNone) {
      AddGoalEvent(out.stripe, out.entry, state);
    }
    out.entries.push_back(std::move(entry));
  }
  // Timeline: contact.created, derived insert entries and frozen entries of two event names.
  const std::string* refund = interner.Intern("refund");
  for (int i = 0, n = static_cast<int>(rng() % 6); i < n; ++i) {
    TimelineItem item;
    item.created_at = kTestNowUs - static_cast<TimeUs>(rng() % (20 * kTestDayUs));
    item.id = static_cast<std::uint64_t>(i);
    const int kind = static_cast<int>(rng() % 3);
    if (kind == 0) {
      out.plain.timeline.push_back({"contact.created", item.created_at});
    } else if (kind == 1 && !out.entries.empty()) {
      item.content = static_cast<const EventEntry*>(out.entries.front().get());
      out.plain.timeline.push_back({"custom_event.order", item.created_at});
    } else {
      item.content = std::make_unique<FrozenTimelineEntry>(
          FrozenTimelineEntry{refund, "r", "{}", TimelineOperation::kUpdate});
      out.plain.timeline.push_back({"custom_event.refund", item.created_at});
    }
    const auto at = std::upper_bound(
        out.state.timeline.begin(), out.state.timeline.end(), item,
        [](const TimelineItem& a, const TimelineItem& b) { return a.created_at < b.created_at; });
    out.state.timeline.insert(at, std::move(item));
  }
}

// Concatenation by appending: GCC 12's -Wrestrict misfires on long chains of operator+.
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

std::vector<std::string> Trees() {
  std::vector<std::string> trees;
  for (const char* type : {"purchase", "subscription", "*"}) {
    for (const char* name : {"", "gold", "never_written"}) {
      for (const char* aggregate : {"sum", "count", "avg", "min", "max"}) {
        for (const char* timeframe :
             {R"("anytime")", R"("in_the_last_days","timeframe_values":["7"])",
              R"("before_date","timeframe_values":["2024-05-20"])"}) {
          trees.push_back(GoalLeafJson(
              Cat({R"("goal_type":")", type, R"(","goal_name":")", name,
                   R"(","aggregate_operator":")", aggregate, R"(","operator":"gte","value":10,)",
                   R"("timeframe_operator":)", timeframe})));
        }
      }
    }
  }
  for (const char* kind : {"contact.created", "custom_event.order", "custom_event.refund",
                           "custom_event.other", "custom_event."}) {
    for (const char* timeframe :
         {"", R"(,"timeframe_operator":"in_the_last_days","timeframe_values":["5"])",
          R"(,"timeframe_operator":"after_date","timeframe_values":["2024-05-25"])"}) {
      for (const char* count : {"0", "1", "2"}) {
        trees.push_back(TimelineLeafJson(
            Cat({R"("kind":")", kind, R"(","count_operator":"exactly","count_value":)", count,
                 timeframe})));
      }
    }
  }
  return trees;
}

TEST(SegmentContactFactsTest, StoredContactAnswersLikeItsPlainVectors) {
  std::mt19937_64 rng(99);
  StringInterner interner;
  std::vector<SegmentTree> trees;
  for (const std::string& json : Trees()) trees.push_back(MustParse(json));
  int matches = 0, boundaries = 0;
  for (int round = 0; round < 150; ++round) {
    StoredContact contact;
    Build(rng, interner, contact);
    const SegmentContactFacts stored(contact.state, interner);
    const SegmentColumnFacts columns(contact.stripe.goal_columns, contact.entry, interner);
    const PlainContactFacts plain(contact.plain);
    for (const SegmentTree& tree : trees) {
      const bool expected = EvaluateSegment(tree, plain, kTestNowUs);
      ASSERT_EQ(EvaluateSegment(tree, stored, kTestNowUs), expected) << "round " << round;
      ASSERT_EQ(EvaluateSegment(tree, columns, kTestNowUs), expected) << "round " << round;
      const std::optional<TimeUs> boundary = NextSegmentBoundary(tree, plain, kTestNowUs);
      ASSERT_EQ(NextSegmentBoundary(tree, stored, kTestNowUs), boundary) << "round " << round;
      ASSERT_EQ(NextSegmentBoundary(tree, columns, kTestNowUs), boundary) << "round " << round;
      matches += expected;
      boundaries += boundary.has_value();
    }
  }
  EXPECT_GT(matches, 1000);
  EXPECT_GT(boundaries, 500);
}

TEST(SegmentContactFactsTest, TimelineKindsAreComparedWhole) {
  StringInterner interner;
  const std::string* order = interner.Intern("order");
  TimelineItem created;
  TimelineItem frozen;
  frozen.content = std::make_unique<FrozenTimelineEntry>(
      FrozenTimelineEntry{order, "x", "{}", TimelineOperation::kInsert});
  EXPECT_TRUE(TimelineItemHasKind(created, "contact.created"));
  EXPECT_FALSE(TimelineItemHasKind(created, "custom_event.order"));
  EXPECT_TRUE(TimelineItemHasKind(frozen, "custom_event.order"));
  EXPECT_FALSE(TimelineItemHasKind(frozen, "custom_event.orders"));
  EXPECT_FALSE(TimelineItemHasKind(frozen, "custom_event.orde"));
  EXPECT_FALSE(TimelineItemHasKind(frozen, "order"));
}

}  // namespace
}  // namespace tally::engine
