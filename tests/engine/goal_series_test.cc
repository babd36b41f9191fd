#include "engine/goal_series.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/random_seed.h"

namespace tally::engine {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

TimeRange Between(std::optional<TimeUs> after, bool after_inclusive, std::optional<TimeUs> before,
                  bool before_inclusive) {
  return TimeRange{.after = after,
                   .after_inclusive = after_inclusive,
                   .before = before,
                   .before_inclusive = before_inclusive};
}

const TimeRange kAllTime{};

// Values 100, 200, (none), 400 at times 10, 20, 30, 40.
GoalSeries FourElementSeries() {
  GoalSeries series;
  series.Insert(10, 100);
  series.Insert(20, 200);
  series.Insert(30, std::nullopt);
  series.Insert(40, 400);
  return series;
}

TEST(GoalSeriesTest, EmptySeriesHasIdentitiesAndNoMemory) {
  const GoalSeries series;
  EXPECT_TRUE(series.empty());
  EXPECT_EQ(series.MemoryBytes(), 0u);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, kAllTime).cents, 0);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, kAllTime).cents, 0);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kAvg, kAllTime).average_cents);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kMin, kAllTime).cents);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kMax, kAllTime).cents);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, kAllTime).matched, 0u);
  EXPECT_FALSE(series.NextTimeAfter(kInt64Min));
}

TEST(GoalSeriesTest, CountCountsElementsWithAndWithoutValue) {
  const GoalSeries series = FourElementSeries();
  const AggregateValue count = series.Aggregate(AggregateOp::kCount, kAllTime);
  EXPECT_EQ(count.cents, 4);
  EXPECT_EQ(count.matched, 4u);
  EXPECT_FALSE(count.average_cents);
}

TEST(GoalSeriesTest, SumSkipsElementsWithoutValue) {
  const AggregateValue sum = FourElementSeries().Aggregate(AggregateOp::kSum, kAllTime);
  EXPECT_EQ(sum.cents, 700);
  EXPECT_EQ(sum.matched, 4u);
}

TEST(GoalSeriesTest, AvgIsOverValuedElementsOnly) {
  const AggregateValue avg = FourElementSeries().Aggregate(AggregateOp::kAvg, kAllTime);
  ASSERT_TRUE(avg.average_cents);
  EXPECT_DOUBLE_EQ(*avg.average_cents, 700.0 / 3.0);
  EXPECT_FALSE(avg.cents);
  EXPECT_EQ(avg.matched, 4u);
}

TEST(GoalSeriesTest, MinAndMaxIgnoreElementsWithoutValue) {
  GoalSeries series = FourElementSeries();
  series.Insert(50, -250);  // a refund
  EXPECT_EQ(series.Aggregate(AggregateOp::kMin, kAllTime).cents, -250);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMax, kAllTime).cents, 400);
}

TEST(GoalSeriesTest, AllNullValuesGiveZeroSumAndNoAvgMinMax) {
  GoalSeries series;
  series.Insert(1, std::nullopt);
  series.Insert(2, std::nullopt);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, kAllTime).cents, 2);
  const AggregateValue sum = series.Aggregate(AggregateOp::kSum, kAllTime);
  EXPECT_EQ(sum.cents, 0);
  EXPECT_EQ(sum.matched, 2u);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kAvg, kAllTime).average_cents);
  const AggregateValue min = series.Aggregate(AggregateOp::kMin, kAllTime);
  EXPECT_FALSE(min.cents);
  EXPECT_EQ(min.matched, 2u);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kMax, kAllTime).cents);
}

TEST(GoalSeriesTest, ExclusiveAfterExcludesItsBoundary) {
  const GoalSeries series = FourElementSeries();
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between(20, false, {}, false)).cents, 400);
}

TEST(GoalSeriesTest, InclusiveAfterIncludesItsBoundary) {
  const GoalSeries series = FourElementSeries();
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between(20, true, {}, false)).cents, 600);
}

TEST(GoalSeriesTest, ExclusiveBeforeExcludesItsBoundary) {
  const GoalSeries series = FourElementSeries();
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between({}, false, 20, false)).cents, 100);
}

TEST(GoalSeriesTest, InclusiveBeforeIncludesItsBoundary) {
  const GoalSeries series = FourElementSeries();
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between({}, false, 20, true)).cents, 300);
}

TEST(GoalSeriesTest, BothBoundsSelectTheElementsBetween) {
  const GoalSeries series = FourElementSeries();
  const AggregateValue count = series.Aggregate(AggregateOp::kCount, Between(10, false, 40, false));
  EXPECT_EQ(count.cents, 2);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMax, Between(10, true, 40, false)).cents, 200);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMin, Between(15, true, 40, true)).cents, 200);
}

TEST(GoalSeriesTest, RangeWithoutElementsMatchesNothing) {
  const GoalSeries series = FourElementSeries();
  const TimeRange gap = Between(20, false, 30, false);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, gap).cents, 0);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, gap).cents, 0);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kMin, gap).cents);
  EXPECT_FALSE(series.Aggregate(AggregateOp::kAvg, gap).average_cents);
}

TEST(GoalSeriesTest, ReversedRangeMatchesNothing) {
  const GoalSeries series = FourElementSeries();
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between(40, true, 10, true)).cents, 0);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between(20, false, 20, true)).cents, 0);
}

TEST(GoalSeriesTest, ExtremeExclusiveBoundsMatchNothingWithoutOverflow) {
  GoalSeries series;
  series.Insert(kInt64Max, 5);
  series.Insert(kInt64Min, 7);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between(kInt64Max, false, {}, false)).cents, 0);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between({}, false, kInt64Min, false)).cents, 0);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between(kInt64Max, true, {}, false)).cents, 5);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between({}, false, kInt64Min, true)).cents, 7);
}

TEST(GoalSeriesTest, SameOccurredAtWithDifferentValuesAreDistinctElements) {
  GoalSeries series;
  series.Insert(100, 30);
  series.Insert(100, 10);
  series.Insert(100, 20);
  EXPECT_EQ(series.size(), 3u);
  const TimeRange at_100 = Between(100, true, 100, true);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, at_100).cents, 60);
  series.Erase(100, 20);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, at_100).cents, 40);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMax, at_100).cents, 30);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between(100, false, {}, false)).cents, 0);
}

TEST(GoalSeriesTest, EraseRemovesOnlyThatElement) {
  GoalSeries series = FourElementSeries();
  series.Erase(40, 400);
  EXPECT_EQ(series.size(), 3u);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, kAllTime).cents, 300);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMax, kAllTime).cents, 200);
  EXPECT_EQ(series.NextTimeAfter(30), std::nullopt);
}

TEST(GoalSeriesTest, ErasingEveryElementReleasesAllMemory) {
  GoalSeries series = FourElementSeries();
  EXPECT_GT(series.MemoryBytes(), 0u);
  series.Erase(10, 100);
  series.Erase(30, std::nullopt);
  series.Erase(20, 200);
  series.Erase(40, 400);
  EXPECT_TRUE(series.empty());
  EXPECT_EQ(series.MemoryBytes(), 0u);
}

TEST(GoalSeriesTest, NextTimeAfterIsStrictlyLaterAndSkipsDuplicates) {
  GoalSeries series;
  series.Insert(5, 1);
  series.Insert(5, 1);
  series.Insert(9, std::nullopt);
  EXPECT_EQ(series.NextTimeAfter(0), 5);
  EXPECT_EQ(series.NextTimeAfter(4), 5);
  EXPECT_EQ(series.NextTimeAfter(5), 9);
  EXPECT_EQ(series.NextTimeAfter(9), std::nullopt);
}

TEST(GoalSeriesTest, MovedFromSeriesIsEmptyAndTargetKeepsElements) {
  GoalSeries source = FourElementSeries();
  GoalSeries target(std::move(source));
  // The engine moves series around in vectors; a moved-from one must be a valid empty series.
  EXPECT_TRUE(source.empty());          // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.MemoryBytes(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(target.Aggregate(AggregateOp::kSum, kAllTime).cents, 700);
  GoalSeries assigned;
  assigned = std::move(target);
  EXPECT_TRUE(target.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(assigned.size(), 4u);
  source.Insert(1, 5);
  EXPECT_EQ(source.Aggregate(AggregateOp::kSum, kAllTime).cents, 5);
}

// Grows one series from 0 to 300 elements and back, across the flat/tree limit in both
// directions, checking every aggregate at every size. Element i has time i and value i
// (every third without value).
TEST(GoalSeriesTest, AggregatesStayExactAcrossFlatTreeSwitchBothWays) {
  constexpr int kMax = 300;
  GoalSeries series;
  auto check = [&series](int lo, int hi) {
    std::int64_t sum = 0;
    std::uint64_t count = 0;
    std::optional<std::int64_t> min;
    std::optional<std::int64_t> max;
    for (int i = lo; i < hi; ++i) {
      ++count;
      if (i % 3 == 0) continue;
      sum += i;
      min = min ? std::min<std::int64_t>(*min, i) : i;
      max = max ? std::max<std::int64_t>(*max, i) : i;
    }
    const TimeRange all{};
    ASSERT_EQ(series.size(), count) << "elements [" << lo << ", " << hi << ")";
    EXPECT_EQ(series.Aggregate(AggregateOp::kCount, all).cents, static_cast<std::int64_t>(count));
    EXPECT_EQ(series.Aggregate(AggregateOp::kSum, all).cents, sum);
    EXPECT_EQ(series.Aggregate(AggregateOp::kMin, all).cents, min);
    EXPECT_EQ(series.Aggregate(AggregateOp::kMax, all).cents, max);
    const TimeRange middle = Between(lo + 2, true, hi - 3, false);
    std::int64_t middle_count = std::max(0, (hi - 3) - (lo + 2));
    EXPECT_EQ(series.Aggregate(AggregateOp::kCount, middle).cents, middle_count);
  };
  auto value = [](int i) { return i % 3 == 0 ? std::nullopt : std::optional<std::int64_t>(i); };
  auto insert = [&series, &value](int i) { series.Insert(i, value(i)); };
  // Even times first, then odd ones, so that inserts land between existing elements.
  for (int i = 0; i < kMax; i += 2) insert(i);
  for (int i = 1; i < kMax; i += 2) insert(i);
  check(0, kMax);
  for (int lo = 0; lo < kMax; ++lo) {
    series.Erase(lo, value(lo));
    check(lo + 1, kMax);
  }
  EXPECT_EQ(series.MemoryBytes(), 0u);
  for (int i = kMax - 1; i >= 0; --i) {
    insert(i);
    check(i, kMax);
  }
}

// Thousands of elements at one instant span many leaves whose keys differ only in value.
TEST(GoalSeriesTest, ManyElementsAtOneInstantAreRoutedByValue) {
  constexpr TimeUs kAt = 1'000;
  constexpr int kCount = 3'000;
  GoalSeries series;
  series.Insert(kAt - 1, 1);
  series.Insert(kAt + 1, 1);
  // Odd values first, then even ones, so that inserts land inside full leaves.
  for (int value = 1; value <= kCount; value += 2) series.Insert(kAt, value);
  for (int value = 2; value <= kCount; value += 2) series.Insert(kAt, value);
  const TimeRange at = Between(kAt, true, kAt, true);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, at).cents, kCount);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, at).cents, kCount * (kCount + 1) / 2);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMin, at).cents, 1);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMax, at).cents, kCount);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between(kAt, false, {}, false)).cents, 1);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, Between({}, false, kAt, false)).cents, 1);
  EXPECT_EQ(series.NextTimeAfter(kAt - 1), kAt);
  EXPECT_EQ(series.NextTimeAfter(kAt), kAt + 1);
  // Erasing the extremes forces the tree to recompute min and max from its children.
  for (int value = 1; value <= kCount / 2; ++value) series.Erase(kAt, value);
  EXPECT_EQ(series.Aggregate(AggregateOp::kCount, at).cents, kCount / 2);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMin, at).cents, kCount / 2 + 1);
  series.Erase(kAt, kCount);
  EXPECT_EQ(series.Aggregate(AggregateOp::kMax, at).cents, kCount - 1);
}

TEST(GoalSeriesTest, SumBeyondInt64Saturates) {
  constexpr std::int64_t kCents = 999'999'999'999'999;  // just under the D8 limit of 1e15
  constexpr int kCount = 10'000;                        // 1e19 > INT64_MAX
  GoalSeries positive;
  GoalSeries negative;
  for (int i = 0; i < kCount; ++i) {
    positive.Insert(i, kCents);
    negative.Insert(i, -kCents);
  }
  EXPECT_EQ(positive.Aggregate(AggregateOp::kSum, kAllTime).cents, kInt64Max);
  EXPECT_EQ(negative.Aggregate(AggregateOp::kSum, kAllTime).cents, kInt64Min);
  EXPECT_DOUBLE_EQ(*positive.Aggregate(AggregateOp::kAvg, kAllTime).average_cents,
                   static_cast<double>(kCents));
}

TEST(GoalSeriesTest, SumIsExactWhenPartialSumsExceedInt64) {
  constexpr std::int64_t kCents = 999'999'999'999'999;
  GoalSeries series;
  // 10,000 purchases followed by 10,000 refunds of the same amounts, plus one cent.
  for (int i = 0; i < 10'000; ++i) series.Insert(i, kCents);
  for (int i = 10'000; i < 20'000; ++i) series.Insert(i, -kCents);
  series.Insert(20'000, 1);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, kAllTime).cents, 1);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, Between(9'999, true, 10'000, true)).cents, 0);
}

TEST(GoalSeriesTest, SmallSeriesCostsLittleMoreThanItsElements) {
  GoalSeries series;
  series.Insert(1, 1);
  EXPECT_LE(series.MemoryBytes(), 64u);
  for (int i = 2; i <= 40; ++i) series.Insert(i, i);
  // 16-byte elements plus a 16-byte header and at most half again of slack.
  EXPECT_LE(series.MemoryBytes(), 16u + 40u * 16u * 3u / 2u);
  EXPECT_EQ(sizeof(GoalSeries), sizeof(void*));
}

TEST(GoalSeriesTest, SeriesAppendedInTimeOrderFillsItsTree) {
  GoalSeries series;
  constexpr int kCount = 100'000;
  for (int i = 0; i < kCount; ++i) series.Insert(i, i);
  EXPECT_LE(series.MemoryBytes() / kCount, 20u);
}

// A brute-force model: the elements in a vector, every answer computed by a full scan.
struct ModelElement {
  TimeUs occurred_at;
  std::optional<std::int64_t> cents;
};

bool InRange(TimeUs t, const TimeRange& range) {
  if (range.after && (range.after_inclusive ? t < *range.after : t <= *range.after)) return false;
  if (range.before && (range.before_inclusive ? t > *range.before : t >= *range.before)) {
    return false;
  }
  return true;
}

AggregateValue ModelAggregate(const std::vector<ModelElement>& model, AggregateOp op,
                              const TimeRange& range) {
  AggregateValue value;
  std::int64_t sum = 0;
  std::uint64_t valued = 0;
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
  for (const ModelElement& e : model) {
    if (!InRange(e.occurred_at, range)) continue;
    ++value.matched;
    if (!e.cents) continue;
    ++valued;
    sum += *e.cents;
    min = min ? std::min(*min, *e.cents) : *e.cents;
    max = max ? std::max(*max, *e.cents) : *e.cents;
  }
  switch (op) {
    case AggregateOp::kCount: value.cents = static_cast<std::int64_t>(value.matched); break;
    case AggregateOp::kSum: value.cents = sum; break;
    case AggregateOp::kAvg:
      if (valued > 0) value.average_cents = static_cast<double>(sum) / static_cast<double>(valued);
      break;
    case AggregateOp::kMin: value.cents = min; break;
    case AggregateOp::kMax: value.cents = max; break;
  }
  return value;
}

std::optional<TimeUs> ModelNextTimeAfter(const std::vector<ModelElement>& model, TimeUs t) {
  std::optional<TimeUs> next;
  for (const ModelElement& e : model) {
    if (e.occurred_at > t && (!next || e.occurred_at < *next)) next = e.occurred_at;
  }
  return next;
}

// Drives one series through random phases, each growing or shrinking it towards a random
// size between 0 and 5000, with times and values drawn from narrow domains (many equal
// elements) or wide ones, and compares every answer with the model. Replay a failure with
// TALLY_TEST_SEED=<seed>.
TEST(GoalSeriesTest, RandomOperationsMatchBruteForceModel) {
  const RandomSeed seed("TALLY_TEST_SEED");
  SCOPED_TRACE(seed.replay_hint());
  std::mt19937_64 rng(seed.value());
  auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };

  GoalSeries series;
  std::vector<ModelElement> model;
  int queries = 0;
  constexpr int kPhases = 40;
  constexpr AggregateOp kOps[] = {AggregateOp::kSum, AggregateOp::kCount, AggregateOp::kAvg,
                                  AggregateOp::kMin, AggregateOp::kMax};

  for (int phase = 0; phase < kPhases && !::testing::Test::HasFailure(); ++phase) {
    // The first two phases grow to 5000 and shrink to nothing, so every seed builds a
    // multi-level tree and takes it apart again; later sizes are spread on a log scale so that
    // small (flat) series get as many phases as big ones.
    std::size_t target = static_cast<std::size_t>(std::exp2(uniform(0, 1230) / 100.0)) - 1;
    if (phase < 2) target = phase == 0 ? 5000 : 0;
    const bool narrow = uniform(0, 1) == 0;
    const TimeUs time_max = narrow ? 2'000 : 1'000'000'000;
    const std::int64_t value_max = narrow ? 3 : 100'000;
    const int steps = static_cast<int>(std::max<std::size_t>(
        200, 2 * (target > model.size() ? target - model.size() : model.size() - target)));
    for (int step = 0; step < steps; ++step) {
      const bool grow =
          model.empty() || (model.size() < target ? uniform(0, 9) < 8 : uniform(0, 9) < 2);
      if (grow) {
        const ModelElement e{uniform(0, time_max),
                             uniform(0, 4) == 0
                                 ? std::nullopt
                                 : std::optional<std::int64_t>(uniform(-value_max / 2, value_max))};
        series.Insert(e.occurred_at, e.cents);
        model.push_back(e);
      } else {
        const auto index = static_cast<std::size_t>(uniform(0, std::ssize(model) - 1));
        series.Erase(model[index].occurred_at, model[index].cents);
        model[index] = model.back();
        model.pop_back();
      }
      ASSERT_EQ(series.size(), model.size()) << "phase " << phase << " step " << step;
      if (uniform(0, 15) != 0) continue;

      ++queries;
      TimeRange range;
      if (uniform(0, 3) != 0) range.after = uniform(-1, time_max + 1);
      range.after_inclusive = uniform(0, 1) == 1;
      if (uniform(0, 3) != 0) range.before = uniform(-1, time_max + 1);
      range.before_inclusive = uniform(0, 1) == 1;
      // Bounds on existing times exercise inclusive/exclusive edges.
      if (!model.empty() && uniform(0, 2) == 0) {
        range.after =
            model[static_cast<std::size_t>(uniform(0, std::ssize(model) - 1))].occurred_at;
      }
      for (AggregateOp op : kOps) {
        const AggregateValue got = series.Aggregate(op, range);
        const AggregateValue want = ModelAggregate(model, op, range);
        ASSERT_EQ(got.matched, want.matched) << "op " << static_cast<int>(op);
        ASSERT_EQ(got.cents, want.cents) << "op " << static_cast<int>(op);
        ASSERT_EQ(got.average_cents.has_value(), want.average_cents.has_value());
        if (want.average_cents) {
          ASSERT_DOUBLE_EQ(*got.average_cents, *want.average_cents);
        }
      }
      const TimeUs probe = uniform(-1, time_max + 1);
      ASSERT_EQ(series.NextTimeAfter(probe), ModelNextTimeAfter(model, probe)) << "t " << probe;
    }
  }
  EXPECT_GT(queries, 1000);
}

TEST(GoalSeriesTest, EqualElementsAreAllKeptAndEraseRemovesOneOfThem) {
  GoalSeries series = FourElementSeries();
  series.Insert(20, 200);
  series.Insert(20, 200);
  const TimeRange at_20 = Between(20, true, 20, true);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, at_20).cents, 600);
  series.Erase(20, 200);
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, at_20).cents, 400);
  EXPECT_EQ(series.size(), 5u);
}

// Equal elements that fill several leaves: an erase must find one whichever leaf holds it.
TEST(GoalSeriesTest, EqualElementsAcrossLeavesAreErasedOneByOne) {
  constexpr TimeUs kAt = 50;
  constexpr int kCount = 2'000;
  GoalSeries series;
  for (int i = 0; i < 100; ++i) series.Insert(i, i);
  for (int i = 0; i < kCount; ++i) series.Insert(kAt, 7);
  const TimeRange at = Between(kAt, true, kAt, true);
  for (int left = kCount; left > 0; --left) {
    ASSERT_EQ(series.Aggregate(AggregateOp::kCount, at).cents, left + 1);
    series.Erase(kAt, 7);
  }
  EXPECT_EQ(series.Aggregate(AggregateOp::kSum, at).cents, kAt);
  EXPECT_EQ(series.size(), 100u);
}

TEST(GoalSeriesDeathTest, EraseFromEmptySeriesAborts) {
  GoalSeries series;
  EXPECT_DEATH(series.Erase(1, 1), "not present");
}

TEST(GoalSeriesDeathTest, EraseOfMissingKeyInFlatSeriesAborts) {
  GoalSeries series = FourElementSeries();
  EXPECT_DEATH(series.Erase(20, 3), "not present");
  EXPECT_DEATH(series.Erase(30, 0), "not present");
}

TEST(GoalSeriesDeathTest, EraseOfMissingKeyInTreeSeriesAborts) {
  GoalSeries series;
  for (int i = 0; i < 1000; ++i) series.Insert(i * 2, i);
  EXPECT_DEATH(series.Erase(501, 250), "not present");
  EXPECT_DEATH(series.Erase(500, 251), "not present");
  EXPECT_DEATH(series.Erase(-1, 0), "not present");
  EXPECT_DEATH(series.Erase(5000, 0), "not present");
}

TEST(GoalSeriesDeathTest, InsertOfReservedCentsAborts) {
  GoalSeries series;
  EXPECT_DEATH(series.Insert(1, kInt64Min), "reserved");
}

}  // namespace
}  // namespace tally::engine
