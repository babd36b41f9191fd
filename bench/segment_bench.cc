// Segment benchmarks on the seeded 1M-contact / 10M-event dataset (bench/dataset.h):
// BM_SegmentPreview evaluates the issue's trees S1–S4 over every contact (segments.preview),
// and BM_SegmentUpkeep measures upserts with 0 and with 20 saved segments kept current, in
// alternating rounds, so that (t20 − t0) / 20 is the upkeep per event per saved segment.
// BM_GoalEventBucketsInsert measures the time buckets behind range leaves: insert cost and bytes
// per goal event.
//
// TALLY_BENCH_DIR (default /tmp/tally_segment_bench) holds the dataset's log, built on first use
// and replayed afterwards. TALLY_BENCH_EVENTS / TALLY_BENCH_CONTACTS shrink the dataset.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/dataset.h"
#include "engine/engine.h"
#include "engine/goal_event_buckets.h"
#include "log/log.h"

namespace tally::bench {
namespace {

using engine::Engine;
using engine::EventInput;
using engine::TimeUs;

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

// Concatenation by appending: GCC 12's -Wrestrict misfires on chains of operator+.
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

std::string Leaf(const std::string& aggregate, const std::string& op, const std::string& value,
                 const std::string& timeframe) {
  std::string out =
      R"({"kind":"leaf","leaf":{"source":"custom_events_goals","custom_events_goal":{)";
  out += R"("goal_type":"purchase","aggregate_operator":")";
  out += aggregate;
  out += R"(","operator":")";
  out += op;
  out += R"(",)";
  out += value;
  out += R"(,"timeframe_operator":)";
  out += timeframe;
  out += "}}}";
  return out;
}

std::string Branch(const std::string& op, const std::vector<std::string>& children) {
  std::string out = R"({"kind":"branch","branch":{"operator":")";
  out += op;
  out += R"(","leaves":[)";
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (i > 0) out += ',';
    out += children[i];
  }
  out += "]}}";
  return out;
}

const std::string kAnytime = R"("anytime")";
std::string LastDays(int days) {
  std::string out = R"("in_the_last_days","timeframe_values":[")";
  out += std::to_string(days);
  out += R"("])";
  return out;
}

// The issue's trees. The dataset ends 2024-06-01; S3's range is its last six months.
std::vector<std::string> Trees() {
  const std::string six_months =
      R"("in_date_range","timeframe_values":["2023-12-01","2024-05-31"])";
  return {
      Branch("and", {Leaf("sum", "gte", R"("value":1000)", kAnytime),
                     Leaf("count", "gte", R"("value":5)", kAnytime),
                     Leaf("count", "gte", R"("value":1)", LastDays(60))}),
      Leaf("sum", "gte", R"("value":500)", kAnytime),
      Leaf("avg", "between", R"("value":50,"value_2":100)", six_months),
      Branch("and", {Branch("not", {Leaf("count", "gte", R"("value":1)", LastDays(90))}),
                     Leaf("sum", "gte", R"("value":500)", kAnytime)}),
  };
}

// The dataset's log is built once (pristine) and copied for every run, so that the segments
// and upserts a run writes never reach the next run's replay.
struct Dataset {
  Dataset() {
    DatasetOptions options;
    options.events = EnvOr("TALLY_BENCH_EVENTS", options.events);
    options.contacts = EnvOr("TALLY_BENCH_CONTACTS", options.contacts);
    const char* base_env = std::getenv("TALLY_BENCH_DIR");
    const std::filesystem::path base = base_env != nullptr ? base_env : "/tmp/tally_segment_bench";
    const std::filesystem::path pristine = base / Cat({"dataset_", std::to_string(options.contacts),
                                                       "_", std::to_string(options.events)});
    if (!std::filesystem::exists(pristine / "complete")) Build(pristine, options);
    const std::filesystem::path work = base / "work";
    std::filesystem::remove_all(work);
    std::filesystem::copy(pristine, work, std::filesystem::copy_options::recursive);
    Open(work, options);
  }

  void Open(const std::filesystem::path& dir, const DatasetOptions& options) {
    engine.reset();
    if (log) (void)log->Close();
    clock = std::make_unique<engine::ManualClock>(options.end_us);
    log::LogOptions log_options;
    log_options.dir = dir;
    log_options.sync = log::SyncPolicy::kNone;
    auto opened = log::Log::Open(log_options);
    if (!opened.ok()) std::abort();
    log = std::move(opened).value();
    // The benchmark owns time: no timer thread competes with the measured calls.
    auto e = Engine::Open({log.get(), clock.get(), /*segment_timer=*/false});
    if (!e.ok()) std::abort();
    engine = std::move(e).value();
  }

  void Build(const std::filesystem::path& dir, const DatasetOptions& options) {
    std::filesystem::remove_all(dir);
    Open(dir, options);
    DatasetGenerator generator(options);
    std::vector<EventInput> batch;
    EventInput in;
    while (generator.Next(&in)) {
      batch.push_back(std::move(in));
      if (batch.size() == 50) {
        if (!engine->Import("ws", batch).status.ok()) std::abort();
        batch.clear();
      }
    }
    if (!batch.empty() && !engine->Import("ws", batch).status.ok()) std::abort();
    engine.reset();
    (void)log->Close();
    log.reset();
    std::ofstream(dir / "complete") << generator.produced() << "\n";
  }

  std::unique_ptr<engine::ManualClock> clock;
  std::unique_ptr<log::Log> log;
  std::unique_ptr<Engine> engine;
};

Dataset& Data() {
  static Dataset data;
  return data;
}

void BM_SegmentPreview(benchmark::State& state) {
  Dataset& data = Data();
  const std::string tree = Trees()[static_cast<std::size_t>(state.range(0)) - 1];
  std::uint64_t matches = 0;
  for (auto _ : state) {
    auto preview = data.engine->PreviewSegment("ws", tree, "UTC", 20);
    if (!preview.ok()) state.SkipWithError(preview.status().ToString().c_str());
    matches = preview->total_count;
  }
  state.counters["matches"] = static_cast<double>(matches);
  state.SetLabel(Cat({"S", std::to_string(state.range(0))}));
}
BENCHMARK(BM_SegmentPreview)->DenseRange(1, 4)->Unit(benchmark::kMillisecond)->UseRealTime();

// The i-th of 20 saved segments: S1–S4 in turn, with thresholds that differ per segment.
std::string SavedTree(std::size_t i) {
  const std::string six_months =
      R"("in_date_range","timeframe_values":["2023-12-01","2024-05-31"])";
  switch (i % 4) {
    case 0:
      return Branch(
          "and",
          {Leaf("sum", "gte", Cat({R"("value":)", std::to_string(1000 + 100 * (i / 4))}), kAnytime),
           Leaf("count", "gte", R"("value":5)", kAnytime),
           Leaf("count", "gte", R"("value":1)", LastDays(60))});
    case 1:
      return Leaf("sum", "gte", Cat({R"("value":)", std::to_string(500 + 100 * (i / 4))}),
                  kAnytime);
    case 2:
      return Leaf("avg", "between",
                  Cat({R"("value":50,"value_2":)", std::to_string(100 + 10 * (i / 4))}),
                  six_months);
    default:
      return Branch("and",
                    {Branch("not", {Leaf("count", "gte", R"("value":1)", LastDays(90))}),
                     Leaf("sum", "gte", Cat({R"("value":)", std::to_string(500 + 100 * (i / 4))}),
                          kAnytime)});
  }
}

// The saved segments of one upkeep round; ids are fresh per round so that a deleted id is
// never reused.
void CreateSavedSegments(Engine& engine, std::size_t round, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    engine::SegmentInput input;
    input.id = Cat({"upkeep", std::to_string(round), "_", std::to_string(i)});
    input.name = input.id;
    input.tree_json = SavedTree(i);
    if (!engine.CreateSegment("ws", input).ok()) std::abort();
  }
}

void DeleteSavedSegments(Engine& engine, std::size_t round, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::string id = Cat({"upkeep", std::to_string(round), "_", std::to_string(i)});
    if (!engine.DeleteSegment("ws", id).ok()) std::abort();
  }
}

// Mean µs of `upserts` new purchases by random active contacts, each with a fresh external id.
double TimeUpserts(Engine& engine, std::mt19937_64& rng, std::size_t upserts) {
  static std::uint64_t n = 0;
  const DatasetOptions options;
  EventInput in;
  in.event_name = "order.completed";
  in.goal_type = "purchase";
  in.properties_json = R"({"sku":"SKU-000123","qty":2,"channel":"web","ok":true})";
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < upserts; ++i) {
    // Active contacts are the first 80% of the ids (bench/dataset.cc).
    in.email = DatasetGenerator::Email(rng() % (options.contacts * 8 / 10));
    in.external_id = Cat({"upkeep_", std::to_string(n++)});
    in.goal_value = static_cast<double>(rng() % 50'000) / 100.0;
    in.occurred_at = options.end_us - static_cast<TimeUs>(rng() % 3'600'000'000);
    if (!engine.Upsert("ws", in).ok()) std::abort();
  }
  const std::chrono::duration<double, std::micro> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(upserts);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Upkeep per event per saved segment. Each iteration is one pair of rounds on the same engine:
// kUpserts upserts with no saved segment, then kUpserts with kSegments saved segments kept
// current (created and deleted around the round, untimed). Alternating the rounds keeps both
// sides on an engine of the same size and cache state; measuring 0 and 20 segments in separate
// benchmarks let the engine grow between them and drifted by 2x between runs (session 5).
// Counters: t0_us and t20_us are the medians of the rounds' mean upsert time,
// per_segment_us the median over pairs of (t20 − t0) / 20.
void BM_SegmentUpkeep(benchmark::State& state) {
  constexpr std::size_t kUpserts = 20'000;
  constexpr std::size_t kSegments = 20;
  Dataset& data = Data();
  std::mt19937_64 rng(20);
  std::vector<double> t0;
  std::vector<double> t20;
  std::vector<double> per_segment;
  static std::size_t round = 0;
  for (auto _ : state) {
    const double without = TimeUpserts(*data.engine, rng, kUpserts);
    CreateSavedSegments(*data.engine, round, kSegments);
    const double with = TimeUpserts(*data.engine, rng, kUpserts);
    DeleteSavedSegments(*data.engine, round, kSegments);
    ++round;
    t0.push_back(without);
    t20.push_back(with);
    per_segment.push_back((with - without) / static_cast<double>(kSegments));
    state.SetIterationTime((without + with) * static_cast<double>(kUpserts) / 1e6);
  }
  state.counters["t0_us"] = Median(t0);
  state.counters["t20_us"] = Median(t20);
  state.counters["per_segment_us"] = Median(per_segment);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2 * kUpserts));
}
BENCHMARK(BM_SegmentUpkeep)->Iterations(7)->UseManualTime()->Unit(benchmark::kMillisecond);

// One stripe's purchases at 1M contacts / 10M events (7M purchases over 32 stripes) inserted
// into goal event buckets, in time order (Arg 0: writes and replay) or shuffled (Arg 1: a
// snapshot load visits contacts, not times); bytes_per_event is the memory they hold.
void BM_GoalEventBucketsInsert(benchmark::State& state) {
  constexpr std::size_t kEvents = 220'000;
  constexpr std::uint32_t kRows = 25'000;
  std::mt19937_64 rng(1);
  std::vector<TimeUs> times(kEvents);
  const TimeUs start = DatasetOptions().end_us - kDatasetSpanUs;
  for (std::size_t i = 0; i < kEvents; ++i) {
    times[i] = start + static_cast<TimeUs>(i) * (kDatasetSpanUs / static_cast<TimeUs>(kEvents));
  }
  if (state.range(0) == 1) std::shuffle(times.begin(), times.end(), rng);
  double bytes_per_event = 0;
  for (auto _ : state) {
    engine::GoalEventBuckets buckets;
    for (std::size_t i = 0; i < kEvents; ++i) {
      buckets.Insert(times[i], static_cast<std::int64_t>(rng() % 50'000),
                     static_cast<std::uint32_t>(rng() % kRows),
                     static_cast<std::uint32_t>(i % kRows));
    }
    bytes_per_event = static_cast<double>(buckets.MemoryBytes()) / static_cast<double>(kEvents);
    benchmark::DoNotOptimize(buckets.size());
  }
  state.counters["bytes_per_event"] = bytes_per_event;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kEvents));
}
BENCHMARK(BM_GoalEventBucketsInsert)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tally::bench
