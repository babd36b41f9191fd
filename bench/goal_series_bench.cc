// Benchmarks of GoalSeries: aggregates over random time ranges, inserts in random time order,
// memory per element, and the flat-array vs tree comparison behind GoalSeries' switch size.
//
// Data are seeded and shaped like purchases: occurred_at spread over two years, 5-500 dollar
// values, 5% refunds, 10% of events without goal_value.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/goal_series.h"
#include "engine/goal_series_element.h"
#include "engine/goal_series_flat.h"
#include "engine/goal_series_tree.h"

namespace tally::engine {
namespace {

constexpr TimeUs kEpochUs = 1'700'000'000'000'000;
constexpr TimeUs kSpanUs = 2LL * 365 * 86'400 * 1'000'000;
constexpr int kRangeCount = 4096;  // a power of two, cycled through with a mask

std::vector<GoalElement> RandomElements(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<TimeUs> time(kEpochUs, kEpochUs + kSpanUs);
  std::uniform_int_distribution<std::int64_t> cents(500, 50'000);
  std::uniform_int_distribution<int> percent(0, 99);
  std::vector<GoalElement> elements(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int kind = percent(rng);
    elements[i] = GoalElement{.occurred_at = time(rng),
                              .cents = kind < 10   ? kNoCents
                                       : kind < 15 ? -cents(rng)
                                                   : cents(rng)};
  }
  return elements;
}

std::optional<std::int64_t> CentsOf(const GoalElement& e) {
  return e.HasValue() ? std::optional<std::int64_t>(e.cents) : std::nullopt;
}

// Ranges with both bounds inside the data's span (one side open a quarter of the time) and
// random inclusiveness.
std::vector<TimeRange> RandomRanges(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<TimeUs> time(kEpochUs, kEpochUs + kSpanUs);
  std::uniform_int_distribution<int> coin(0, 7);
  std::vector<TimeRange> ranges(kRangeCount);
  for (TimeRange& range : ranges) {
    TimeUs a = time(rng);
    TimeUs b = time(rng);
    if (a > b) std::swap(a, b);
    if (coin(rng) != 0) range.after = a;
    if (coin(rng) != 0) range.before = b;
    range.after_inclusive = coin(rng) < 4;
    range.before_inclusive = coin(rng) < 4;
  }
  return ranges;
}

GoalSeries BuildSeries(const std::vector<GoalElement>& elements) {
  GoalSeries series;
  for (const GoalElement& e : elements) series.Insert(e.occurred_at, CentsOf(e));
  return series;
}

// Time per query is the benchmark's own figure; p50/p99 come from timing 20,000 queries one by
// one afterwards (they include one steady_clock read, ~20 ns).
void BM_GoalSeriesAggregate(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto op = static_cast<AggregateOp>(state.range(1));
  const GoalSeries series = BuildSeries(RandomElements(size, 1));
  const std::vector<TimeRange> ranges = RandomRanges(2);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(series.Aggregate(op, ranges[i++ & (kRangeCount - 1)]));
  }
  std::vector<double> latencies_ns;
  for (int q = 0; q < 20'000; ++q) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(series.Aggregate(op, ranges[q & (kRangeCount - 1)]));
    const auto stop = std::chrono::steady_clock::now();
    latencies_ns.push_back(std::chrono::duration<double, std::nano>(stop - start).count());
  }
  std::sort(latencies_ns.begin(), latencies_ns.end());
  state.counters["p50_ns"] = latencies_ns[latencies_ns.size() / 2];
  state.counters["p99_ns"] = latencies_ns[latencies_ns.size() * 99 / 100];
  state.counters["bytes_per_element"] =
      static_cast<double>(series.MemoryBytes()) / static_cast<double>(size);
}
BENCHMARK(BM_GoalSeriesAggregate)
    ->ArgNames({"size", "op"})
    ->ArgsProduct({{10, 1'000, 1'000'000},
                   {static_cast<int>(AggregateOp::kSum), static_cast<int>(AggregateOp::kCount),
                    static_cast<int>(AggregateOp::kMax)}});

// Builds a series of `size` elements in random time order; time per inserted element.
void BM_GoalSeriesInsert(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::vector<GoalElement> elements = RandomElements(size, 3);
  double bytes_per_element = 0;
  for (auto _ : state) {
    GoalSeries series = BuildSeries(elements);
    state.PauseTiming();
    bytes_per_element = static_cast<double>(series.MemoryBytes()) / static_cast<double>(size);
    series = GoalSeries();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(size));
  state.counters["ns_per_insert"] =
      benchmark::Counter(static_cast<double>(state.iterations() * static_cast<std::int64_t>(size)),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["bytes_per_element"] = bytes_per_element;
}
BENCHMARK(BM_GoalSeriesInsert)->ArgName("size")->Arg(10)->Arg(1'000)->Arg(1'000'000);

// Appends in time order, the common case of live traffic; reports the memory it leaves.
void BM_GoalSeriesAppend(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<GoalElement> elements = RandomElements(size, 4);
  std::sort(elements.begin(), elements.end(),
            [](const GoalElement& a, const GoalElement& b) { return KeyLess(a, b); });
  double bytes_per_element = 0;
  for (auto _ : state) {
    GoalSeries series = BuildSeries(elements);
    state.PauseTiming();
    bytes_per_element = static_cast<double>(series.MemoryBytes()) / static_cast<double>(size);
    series = GoalSeries();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(size));
  state.counters["bytes_per_element"] = bytes_per_element;
}
BENCHMARK(BM_GoalSeriesAppend)->ArgName("size")->Arg(10)->Arg(1'000)->Arg(1'000'000);

// Inserts one random element into a series of `size` and erases it again: the cost of a write
// at exactly that size.
void BM_GoalSeriesInsertErase(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  GoalSeries series = BuildSeries(RandomElements(size, 5));
  std::vector<GoalElement> extra = RandomElements(kRangeCount, 6);
  std::size_t i = 0;
  for (auto _ : state) {
    const GoalElement& e = extra[i++ & (kRangeCount - 1)];
    series.Insert(e.occurred_at, CentsOf(e));
    series.Erase(e.occurred_at, CentsOf(e));
  }
}
BENCHMARK(BM_GoalSeriesInsertErase)->ArgName("size")->Arg(10)->Arg(1'000)->Arg(1'000'000);

// The two forms side by side at the sizes around GoalSeries' switch (kFlatMax), for a count
// (fields 0: positions only) and for the other aggregates (fields 1).
void BM_GoalSeriesFlatQuery(benchmark::State& state) {
  std::vector<GoalElement> elements = RandomElements(static_cast<std::size_t>(state.range(0)), 7);
  std::sort(elements.begin(), elements.end(),
            [](const GoalElement& a, const GoalElement& b) { return KeyLess(a, b); });
  const std::vector<TimeRange> ranges = RandomRanges(8);
  const auto fields = static_cast<SummaryFields>(state.range(1));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        FlatQuery(elements, ToClosedBounds(ranges[i++ & (kRangeCount - 1)]), fields));
  }
}
BENCHMARK(BM_GoalSeriesFlatQuery)
    ->ArgNames({"size", "fields"})
    ->ArgsProduct({benchmark::CreateRange(16, 1024, 2),
                   {static_cast<int>(SummaryFields::kCountOnly),
                    static_cast<int>(SummaryFields::kAll)}});

void BM_GoalSeriesTreeQuery(benchmark::State& state) {
  GoalSeriesTree tree;
  for (const GoalElement& e : RandomElements(static_cast<std::size_t>(state.range(0)), 7)) {
    tree.Insert(e);
  }
  const std::vector<TimeRange> ranges = RandomRanges(8);
  const auto fields = static_cast<SummaryFields>(state.range(1));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tree.Query(ToClosedBounds(ranges[i++ & (kRangeCount - 1)]), fields));
  }
  state.counters["bytes_per_element"] =
      static_cast<double>(tree.MemoryBytes()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_GoalSeriesTreeQuery)
    ->ArgNames({"size", "fields"})
    ->ArgsProduct({benchmark::CreateRange(16, 1024, 2),
                   {static_cast<int>(SummaryFields::kCountOnly),
                    static_cast<int>(SummaryFields::kAll)}});

void BM_GoalSeriesFlatInsertErase(benchmark::State& state) {
  std::vector<GoalElement> elements = RandomElements(static_cast<std::size_t>(state.range(0)), 9);
  std::sort(elements.begin(), elements.end(),
            [](const GoalElement& a, const GoalElement& b) { return KeyLess(a, b); });
  elements.reserve(elements.size() + 1);
  std::vector<GoalElement> extra = RandomElements(kRangeCount, 10);
  std::size_t i = 0;
  for (auto _ : state) {
    const GoalElement& e = extra[i++ & (kRangeCount - 1)];
    const GoalElement* pos = FlatLowerBound(elements, e.occurred_at, e.cents);
    const auto index = pos - elements.data();
    elements.insert(elements.begin() + index, e);
    elements.erase(elements.begin() + index);
  }
}
BENCHMARK(BM_GoalSeriesFlatInsertErase)->ArgName("size")->RangeMultiplier(2)->Range(16, 1024);

void BM_GoalSeriesTreeInsertErase(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  GoalSeriesTree tree;
  for (const GoalElement& e : RandomElements(size, 9)) tree.Insert(e);
  std::vector<GoalElement> extra = RandomElements(kRangeCount, 10);
  std::size_t i = 0;
  for (auto _ : state) {
    const GoalElement& e = extra[i++ & (kRangeCount - 1)];
    tree.Insert(e);
    tree.Erase(e.occurred_at, e.cents);
  }
}
BENCHMARK(BM_GoalSeriesTreeInsertErase)->ArgName("size")->RangeMultiplier(2)->Range(16, 1024);

}  // namespace
}  // namespace tally::engine

BENCHMARK_MAIN();
