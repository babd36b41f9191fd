// GoalRangeAggregates (engine/goal_range_aggregates.h) against each row's own goal series: for
// random time ranges whose edges sit on event times (where buckets split), next to them and in
// between, every column, every aggregate and every operator, with bounds placed on the rows'
// own aggregates, a cent or half a cent beside them, on non-integral averages and far out,
// after inserts, deletes, value changes and moves between contacts, Filter and FilterAll keep
// exactly the rows for which GoalLeafMatches holds on GoalSeries::Aggregate over the row's
// series (or, negated, does not); a sum over more values than always fit in 64 bits is left to
// the series; and averages near large bounds agree on both the integer and the double path.
#include "engine/goal_range_aggregates.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_index.h"
#include "engine/money.h"
#include "engine/segment_eval.h"
#include "engine/workspace.h"
#include "tests/engine/goal_index_fixture.h"
#include "tests/engine/random_seed.h"

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

GoalLeaf MakeLeaf(AggregateOp op, GoalCompareOp compare, double value, double value_2) {
  GoalLeaf leaf;
  leaf.aggregate = op;
  leaf.compare = compare;
  leaf.value = SegmentValue::FromDouble(value, "value").value();
  leaf.value_2 = SegmentValue::FromDouble(value_2, "value_2").value();
  return leaf;
}

// The rows of `candidates` the row's series says match (or, negated, do not).
std::vector<std::uint32_t> Expected(const GoalColumn& column, const GoalLeaf& leaf,
                                    const TimeRange& range, bool negated,
                                    const std::vector<std::uint32_t>& candidates) {
  std::vector<std::uint32_t> out;
  for (const std::uint32_t row : candidates) {
    const AggregateValue value = column.refs[row].series->Aggregate(leaf.aggregate, range);
    if (GoalLeafMatches(leaf, value) != negated) out.push_back(row);
  }
  return out;
}

// Dollars a random bound is placed at: the aggregate itself (exactly, as the nearest double,
// or rounded to whole cents), a cent or half a cent away, or anywhere.
double BoundNear(double cents, std::mt19937_64& rng) {
  const double dollars = cents / 100;
  switch (rng() % 7) {
    case 0: return dollars;
    case 1: return std::round(cents) / 100;
    case 2: return (std::round(cents) + 1) / 100;
    case 3: return (std::round(cents) - 1) / 100;
    case 4: return (std::round(cents) + 0.5) / 100;
    case 5: return std::floor(cents) / 100 + 0.001;
    default: return static_cast<double>(static_cast<std::int64_t>(rng() % 40'001) - 20'000) / 100;
  }
}

class GoalRangeAggregatesTest : public GoalIndexFixture {
 protected:
  void SetUp() override { AddContacts(40); }

  void Randomize(EventState& state) {
    state.goal_type = static_cast<GoalType>(1 + Pick(3));
    // Small values, so that averages fall on and between whole cents, and now and then one
    // at the D8 limit, so that sums pass 2^53 and averages lie beyond any whole-cent bound
    // the integer comparison takes.
    switch (Pick(10)) {
      case 0:
      case 1: state.goal_value_cents = kNoCents; break;
      case 2:
        state.goal_value_cents = (Pick(2) == 0 ? 1 : -1) * (kGoalValueCentsAbsLimit - Pick(1000));
        break;
      default: state.goal_value_cents = Pick(20'001) - 10'000;
    }
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

  // A leaf of `op` whose bounds lie on or next to the aggregate of a random live row of the
  // column over `range` (an average as the series computes it, usually not a whole cent).
  GoalLeaf RandomLeaf(AggregateOp op, const GoalColumn& column, const TimeRange& range,
                      const std::vector<std::uint32_t>& live) {
    auto near = [&] {
      const std::uint32_t row = live[static_cast<std::size_t>(Pick(static_cast<int>(live.size())))];
      const AggregateValue value = column.refs[row].series->Aggregate(op, range);
      double cents = 0;
      if (value.average_cents) {
        cents = *value.average_cents;
      } else if (value.cents) {
        cents = static_cast<double>(*value.cents) * (op == AggregateOp::kCount ? 100 : 1);
      }
      // Bounds stay below the D8 limit that SegmentValue takes.
      const double limit = 0.99 * kGoalValueAbsLimit;
      return std::clamp(BoundNear(cents, rng_), -limit, limit);
    };
    const auto compare = static_cast<GoalCompareOp>(Pick(4));
    double value = near();
    double value_2 = Pick(4) == 0 ? value : near();
    if (value > value_2) std::swap(value, value_2);
    return MakeLeaf(op, compare, value, value_2);
  }

  void CheckRandomRanges(int ranges) {
    GoalRangeAggregates aggregates;
    std::vector<std::uint32_t> kept;
    for (int i = 0; i < ranges; ++i) {
      TimeUs lo = RandomEdge();
      TimeUs hi = RandomEdge();
      if (lo > hi) std::swap(lo, hi);
      const TimeRange range = Closed(lo, hi);
      const auto op = static_cast<AggregateOp>(Pick(5));
      const std::size_t k = static_cast<std::size_t>(Pick(4));
      const GoalColumn& column = stripe_.goal_columns.columns[k];
      std::vector<std::uint32_t> live;
      for (std::uint32_t row = 0; row < column.size(); ++row) {
        if (column.rows[row].count > 0) live.push_back(row);
      }
      if (live.empty()) continue;
      aggregates.Compute(stripe_.goal_columns, k, op, range);
      for (int leaves = 0; leaves < 8; ++leaves) {
        const GoalLeaf leaf = RandomLeaf(op, column, range, live);
        const bool negated = Pick(2) == 0;
        // Every live row, or some of them.
        std::vector<std::uint32_t> candidates;
        for (const std::uint32_t row : live) {
          if (Pick(3) != 0) candidates.push_back(row);
        }
        const std::vector<std::uint32_t> expected =
            Expected(column, leaf, range, negated, candidates);
        kept.assign(1, 999'999);  // Filter appends
        aggregates.Filter(leaf, negated, candidates, kept);
        ASSERT_EQ(kept.front(), 999'999u);
        kept.erase(kept.begin());
        ASSERT_EQ(kept, expected) << "column " << k << " op " << static_cast<int>(op) << " compare "
                                  << static_cast<int>(leaf.compare) << " [" << lo << ", " << hi
                                  << "] value " << leaf.value.value() << " value_2 "
                                  << leaf.value_2.value() << " negated " << negated;
        kept.clear();
        aggregates.FilterAll(leaf, kept);
        ASSERT_EQ(kept, Expected(column, leaf, range, false, live))
            << "FilterAll column " << k << " op " << static_cast<int>(op);
        matched_ += expected.size();
        checked_ += candidates.size();
        const bool integers = GoalLeafIntervalOf(leaf).average_in_integers;
        if (op == AggregateOp::kAvg)
          (integers ? average_integer_leaves_ : average_double_leaves_)++;
      }
    }
  }

  std::uint64_t matched_ = 0;
  std::uint64_t checked_ = 0;
  int average_integer_leaves_ = 0;
  int average_double_leaves_ = 0;
};

TEST_F(GoalRangeAggregatesTest, FilterKeepsTheRowsTheirSeriesMatchOverRandomRangesAndBounds) {
  const RandomSeed random_seed("TALLY_RANGE_SEED");
  SCOPED_TRACE(random_seed.replay_hint());
  const std::uint64_t seed = random_seed.value();
  rng_.seed(seed);
  AddRandom(3000);
  // About a thousand events per goal type: several buckets each.
  ASSERT_GT(stripe_.goal_columns.events[1].bucket_count(), 3u);
  for (int round = 0; round < 4; ++round) {
    ASSERT_NO_FATAL_FAILURE(CheckRandomRanges(150)) << "round " << round;
    Mutate();
    AddRandom(200);
  }
  // Both answers are common, and both ways of comparing an average are taken.
  EXPECT_GT(matched_, checked_ / 10);
  EXPECT_LT(matched_, checked_ - checked_ / 10);
  EXPECT_GT(average_integer_leaves_, 50);
  EXPECT_GT(average_double_leaves_, 50);
}

class GoalRangeAggregatesOneContactTest : public GoalIndexFixture {
 protected:
  void SetUp() override { AddContacts(1); }

  // Adds purchases of these values to the contact, one microsecond apart from `first`.
  void AddPurchases(TimeUs first, const std::vector<std::int64_t>& cents) {
    for (std::size_t i = 0; i < cents.size(); ++i) {
      GoalFixtureEvent e;
      e.state->seq = next_seq_++;
      e.state->goal_type = GoalType::kPurchase;
      e.state->goal_value_cents = cents[i];
      e.state->occurred_at = first + static_cast<TimeUs>(i);
      Add(e);
      events_.push_back(std::move(e));
    }
  }

  std::uint32_t Row() const { return contacts_[0]->second.goal_rows[1] - 1; }

  // Whether Filter keeps the contact's row for `leaf` over `range`, checked against its series.
  bool Kept(const GoalLeaf& leaf, const TimeRange& range) {
    GoalRangeAggregates aggregates;
    aggregates.Compute(stripe_.goal_columns, 1, leaf.aggregate, range);
    std::vector<std::uint32_t> kept;
    const std::vector<std::uint32_t> candidates = {Row()};
    aggregates.Filter(leaf, false, candidates, kept);
    const GoalColumn& column = stripe_.goal_columns.columns[1];
    EXPECT_EQ(kept, Expected(column, leaf, range, false, candidates))
        << "value " << leaf.value.value() << " value_2 " << leaf.value_2.value();
    return !kept.empty();
  }
};

TEST_F(GoalRangeAggregatesOneContactTest, ASumOfMoreValuesThanAlwaysFitIn64BitsIsLeftToTheSeries) {
  // 9,224 values of 1e15 − 1 cents (the largest below the D8 limit) sum beyond 2^63, where a
  // 64-bit sum wraps to a negative number; 9,223 of them still fit.
  AddPurchases(kGoalFixtureBaseUs, std::vector<std::int64_t>(9'224, kGoalValueCentsAbsLimit - 1));
  const TimeRange all = Closed(kGoalFixtureBaseUs, kGoalFixtureBaseUs + 9'223);
  const TimeRange all_but_one = Closed(kGoalFixtureBaseUs + 1, kGoalFixtureBaseUs + 9'223);
  const GoalLeaf sum_positive = MakeLeaf(AggregateOp::kSum, GoalCompareOp::kGte, 0.01, 0);
  const GoalLeaf average_at_limit =
      MakeLeaf(AggregateOp::kAvg, GoalCompareOp::kGte, 9'999'999'999'990, 0);
  EXPECT_TRUE(Kept(sum_positive, all));
  EXPECT_TRUE(Kept(average_at_limit, all));
  EXPECT_TRUE(Kept(sum_positive, all_but_one));
  EXPECT_TRUE(Kept(average_at_limit, all_but_one));
  // Counts and extremes never overflow.
  EXPECT_TRUE(Kept(MakeLeaf(AggregateOp::kCount, GoalCompareOp::kEq, 9'224, 0), all));
  EXPECT_TRUE(Kept(MakeLeaf(AggregateOp::kMax, GoalCompareOp::kEq, 9'999'999'999'999.99, 0), all));
}

TEST_F(GoalRangeAggregatesOneContactTest, AveragesNextToTheirBoundsAgreeWithTheSeries) {
  // Sums of three values whose average lies a third of a cent from a whole number of cents,
  // at small magnitudes and around the 2^39 cents up to which whole-cent bounds compare in
  // integers (beyond, as doubles).
  // Each case's purchases lie in a window of their own.
  TimeUs first = kGoalFixtureBaseUs;
  for (const std::int64_t base :
       {std::int64_t{1'000}, std::int64_t{-1'000}, (std::int64_t{1} << 39) - 2,
        (std::int64_t{1} << 39) + 2, -(std::int64_t{1} << 39) + 2,
        std::int64_t{400'000'000'000'000}}) {
    first += 100;
    AddPurchases(first, {base, base, base + 1});  // average base + 1/3
    const TimeRange all = Closed(first, first + 2);
    for (const std::int64_t bound : {base - 1, base, base + 1, base + 2}) {
      const double dollars = static_cast<double>(bound) / 100;
      for (int compare = 0; compare < 4; ++compare) {
        const auto op = static_cast<GoalCompareOp>(compare);
        Kept(MakeLeaf(AggregateOp::kAvg, op, dollars, dollars), all);
        Kept(MakeLeaf(AggregateOp::kAvg, op, dollars, dollars + 0.01), all);
      }
    }
    // An average that is a whole number of cents equals its bound; base + 1/3 does not.
    const GoalLeaf equal_base =
        MakeLeaf(AggregateOp::kAvg, GoalCompareOp::kEq, static_cast<double>(base) / 100, 0);
    EXPECT_TRUE(Kept(equal_base, Closed(first, first + 1))) << base;
    EXPECT_FALSE(Kept(equal_base, all)) << base;
  }
}

}  // namespace
}  // namespace tally::engine
