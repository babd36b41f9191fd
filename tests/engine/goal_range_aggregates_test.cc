// GoalRangeAggregates (engine/goal_range_aggregates.h) against each row's own goal series: for
// random time ranges whose edges sit on event times (where buckets split), next to them and in
// between, every operator and every column, after inserts, deletes, value changes and moves
// between contacts, the aggregate of every live row equals GoalSeries::Aggregate over the
// row's series; and a sum over more values than always fit in 64 bits is left to the series.
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
#include "tests/engine/goal_index_fixture.h"

namespace tally::engine {
namespace {

TimeRange Closed(TimeUs lo, TimeUs hi) {
  TimeRange range;
  range.after = lo;
  range.after_inclusive = true;
  range.before = hi;
  range.before_inclusive = true;
  return range;
}

class GoalRangeAggregatesTest : public GoalIndexFixture {
 protected:
  void SetUp() override { AddContacts(40); }

  void Randomize(EventState& state) {
    state.goal_type = static_cast<GoalType>(1 + Pick(3));
    state.goal_value_cents = Pick(5) == 0 ? kNoCents : Pick(20'001) - 10'000;
    // A few hundred distinct times in ten days: ties, and buckets that split at them.
    state.occurred_at = kGoalFixtureBaseUs + Pick(400) * 2'160'000'000LL + Pick(2);
  }

  void AddRandom(int n) {
    for (int i = 0; i < n; ++i) {
      GoalFixtureEvent e;
      e.contact = PickContact();
      e.state->seq = next_seq_++;
      Randomize(*e.state);
      Add(e);
      events_.push_back(std::move(e));
    }
  }

  // Deletes, restores, rewrites and moves about a fifth of the events.
  void Mutate() {
    for (GoalFixtureEvent& e : events_) {
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
            e.contact = PickContact();
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
      case 2:
        return kGoalFixtureBaseUs + Pick(1'000'000'000) * 1'000LL;  // anywhere in the ten days
      default: {
        const GoalFixtureEvent& e =
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

TEST_F(GoalRangeAggregatesTest, ASumOfMoreValuesThanAlwaysFitIn64BitsIsLeftToTheSeries) {
  // 9,224 values of up to 1e15 cents (the D8 limit) might not sum within 64 bits; 9,223 do.
  constexpr std::int64_t kLimitCents = 1'000'000'000'000'000;
  for (int i = 0; i < 9'224; ++i) {
    GoalFixtureEvent e;
    e.state->seq = next_seq_++;
    e.state->goal_type = GoalType::kPurchase;
    e.state->goal_value_cents = i % 2 == 0 ? kLimitCents : -kLimitCents + 1;
    e.state->occurred_at = kGoalFixtureBaseUs + i;
    Add(e);
    events_.push_back(std::move(e));
  }
  const std::uint32_t row = contacts_[0]->second.goal_rows[1] - 1;
  GoalRangeAggregates aggregates;
  aggregates.Compute(stripe_.goal_columns, 1, AggregateOp::kSum,
                     ClosedTimeBounds{kGoalFixtureBaseUs, kGoalFixtureBaseUs + 9'223});
  EXPECT_FALSE(aggregates.Get(row).has_value());
  aggregates.Compute(stripe_.goal_columns, 1, AggregateOp::kAvg,
                     ClosedTimeBounds{kGoalFixtureBaseUs, kGoalFixtureBaseUs + 9'223});
  EXPECT_FALSE(aggregates.Get(row).has_value());
  aggregates.Compute(stripe_.goal_columns, 1, AggregateOp::kSum,
                     ClosedTimeBounds{kGoalFixtureBaseUs + 1, kGoalFixtureBaseUs + 9'223});
  const std::optional<AggregateValue> sum = aggregates.Get(row);
  ASSERT_TRUE(sum.has_value());
  // 4,611 values of 1e15 and 4,612 of -1e15 + 1.
  EXPECT_EQ(sum->cents, -kLimitCents + 4'612);
  EXPECT_EQ(sum->cents, stripe_.goal_columns.columns[1]
                            .refs[row]
                            .series
                            ->Aggregate(AggregateOp::kSum,
                                        Closed(kGoalFixtureBaseUs + 1, kGoalFixtureBaseUs + 9'223))
                            .cents);
  // Counts and extremes never overflow.
  aggregates.Compute(stripe_.goal_columns, 1, AggregateOp::kMax,
                     ClosedTimeBounds{kGoalFixtureBaseUs, kGoalFixtureBaseUs + 9'223});
  const std::optional<AggregateValue> max = aggregates.Get(row);
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(max->matched, 9'224u);
  EXPECT_EQ(max->cents, kLimitCents);
}

}  // namespace
}  // namespace tally::engine
