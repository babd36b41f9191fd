// GoalRangeAggregates (engine/goal_range_aggregates.h) against each row's own goal series: for
// random time ranges whose edges sit on event times (where buckets split), next to them and in
// between, every operator and every column, after inserts, deletes, value changes and moves
// between contacts, the aggregate of every live row equals GoalSeries::Aggregate over the
// row's series; and a sum that may exceed 64 bits is left to the series.
#include "engine/goal_range_aggregates.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_index.h"
#include "engine/workspace.h"

namespace tally::engine {
namespace {

constexpr TimeUs kBaseUs = 1'717'200'000'000'000;

struct TestEvent {
  std::unique_ptr<EventState> state = std::make_unique<EventState>();
  std::size_t contact = 0;
  bool live = false;
};

TimeRange Closed(TimeUs lo, TimeUs hi) {
  TimeRange range;
  range.after = lo;
  range.after_inclusive = true;
  range.before = hi;
  range.before_inclusive = true;
  return range;
}

class GoalRangeAggregatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 40; ++i) {
      std::string email = "contact";
      email += std::to_string(i);
      contacts_.push_back(&*stripe_.contacts.try_emplace(email).first);
    }
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  void Randomize(EventState& state) {
    state.goal_type = static_cast<GoalType>(1 + Pick(3));
    state.goal_value_cents = Pick(5) == 0 ? kNoCents : Pick(20'001) - 10'000;
    // A few hundred distinct times in ten days: ties, and buckets that split at them.
    state.occurred_at = kBaseUs + Pick(400) * 2'160'000'000LL + Pick(2);
  }

  void Add(TestEvent& e) {
    e.state->contact = contacts_[e.contact];
    AddGoalEvent(stripe_, *contacts_[e.contact], *e.state);
    e.live = true;
  }
  void Remove(TestEvent& e) {
    RemoveGoalEvent(stripe_, *contacts_[e.contact], *e.state);
    e.live = false;
  }

  void AddRandom(int n) {
    for (int i = 0; i < n; ++i) {
      TestEvent e;
      e.contact = static_cast<std::size_t>(Pick(static_cast<int>(contacts_.size())));
      e.state->seq = next_seq_++;
      Randomize(*e.state);
      Add(e);
      events_.push_back(std::move(e));
    }
  }

  // Deletes, restores, rewrites and moves about a fifth of the events.
  void Mutate() {
    for (TestEvent& e : events_) {
      switch (Pick(20)) {
        case 0:
          if (e.live) Remove(e);
          break;
        case 1:
          if (!e.live) Add(e);
          break;
        case 2:
          if (e.live) {
            Remove(e);
            Randomize(*e.state);
            Add(e);
          }
          break;
        case 3:
          if (e.live) {
            Remove(e);
            e.contact = static_cast<std::size_t>(Pick(static_cast<int>(contacts_.size())));
            Add(e);
          }
          break;
        default: break;
      }
    }
  }

  TimeUs RandomEdge() {
    switch (Pick(6)) {
      case 0: return INT64_MIN;
      case 1: return INT64_MAX;
      case 2: return kBaseUs + Pick(1'000'000'000) * 1'000LL;  // anywhere in the ten days
      default: {
        const TestEvent& e =
            events_[static_cast<std::size_t>(Pick(static_cast<int>(events_.size())))];
        return e.state->occurred_at + Pick(3) - 1;
      }
    }
  }

  void CheckRandomRanges(int ranges) {
    GoalRangeAggregates aggregates;
    std::uint64_t rows_checked = 0;
    for (int i = 0; i < ranges; ++i) {
      TimeUs lo = RandomEdge();
      TimeUs hi = RandomEdge();
      if (lo > hi) std::swap(lo, hi);
      const TimeRange range = Closed(lo, hi);
      const auto op = static_cast<AggregateOp>(Pick(5));
      const std::size_t k = static_cast<std::size_t>(Pick(4));
      const GoalColumn& column = stripe_.goal_columns.columns[k];
      aggregates.Compute(stripe_.goal_columns, k, op, ClosedTimeBounds{lo, hi});
      for (std::uint32_t row = 0; row < column.size(); ++row) {
        if (column.rows[row].count == 0) continue;
        const AggregateValue expected = column.refs[row].series->Aggregate(op, range);
        const std::optional<AggregateValue> actual = aggregates.Get(row);
        ASSERT_TRUE(actual.has_value());
        ASSERT_EQ(actual->matched, expected.matched)
            << "row " << row << " column " << k << " [" << lo << ", " << hi << "]";
        ASSERT_EQ(actual->cents, expected.cents) << "row " << row << " op " << static_cast<int>(op);
        ASSERT_EQ(actual->average_cents, expected.average_cents) << "row " << row;
        ++rows_checked;
      }
    }
    EXPECT_GT(rows_checked, static_cast<std::uint64_t>(ranges) * 10);
  }

  std::mt19937_64 rng_;
  Stripe stripe_;
  std::vector<ContactEntry*> contacts_;
  std::vector<TestEvent> events_;
  std::uint64_t next_seq_ = 1;
};

TEST_F(GoalRangeAggregatesTest, EveryRowEqualsItsSeriesOverRandomRanges) {
  const char* env = std::getenv("TALLY_RANGE_SEED");
  const std::uint64_t seed =
      env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay with TALLY_RANGE_SEED=" + std::to_string(seed) + ")");
  rng_.seed(seed);
  AddRandom(3000);
  // About a thousand events per goal type: several buckets each.
  ASSERT_GT(stripe_.goal_columns.events[1].bucket_count(), 3u);
  for (int round = 0; round < 4; ++round) {
    ASSERT_NO_FATAL_FAILURE(CheckRandomRanges(150)) << "round " << round;
    Mutate();
    AddRandom(200);
  }
}

TEST_F(GoalRangeAggregatesTest, ASumThatMayExceed64BitsIsLeftToTheSeries) {
  // 10,001 values up to 9.99e14 cents (the D8 limit is 1e15): the bound 10,001 × 9.99e14
  // exceeds 2^63 ≈ 9.22e18, though the six in range sum to far less.
  for (int i = 0; i < 10'001; ++i) {
    TestEvent e;
    e.state->seq = next_seq_++;
    e.state->goal_type = GoalType::kPurchase;
    e.state->goal_value_cents = i == 0 ? 999'000'000'000'000 : 990'000'000'000'000;
    e.state->occurred_at = kBaseUs + i;
    Add(e);
    events_.push_back(std::move(e));
  }
  TestEvent small;
  small.contact = 1;
  small.state->seq = next_seq_++;
  small.state->goal_type = GoalType::kPurchase;
  small.state->goal_value_cents = 100;
  small.state->occurred_at = kBaseUs;
  Add(small);
  GoalRangeAggregates aggregates;
  aggregates.Compute(stripe_.goal_columns, 1, AggregateOp::kSum,
                     ClosedTimeBounds{kBaseUs, kBaseUs + 5});
  EXPECT_FALSE(aggregates.Get(contacts_[0]->second.goal_rows[1] - 1).has_value());
  const std::optional<AggregateValue> value = aggregates.Get(contacts_[1]->second.goal_rows[1] - 1);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->cents, 100);
  // Counts and extremes never overflow.
  aggregates.Compute(stripe_.goal_columns, 1, AggregateOp::kMax,
                     ClosedTimeBounds{kBaseUs, kBaseUs + 5});
  const std::optional<AggregateValue> max = aggregates.Get(contacts_[0]->second.goal_rows[1] - 1);
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(max->matched, 6u);
  EXPECT_EQ(max->cents, 999'000'000'000'000);
}

}  // namespace
}  // namespace tally::engine
