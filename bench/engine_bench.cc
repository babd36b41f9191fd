// Engine benchmarks: upsert throughput (apply + log append, sync none), aggregate latency for
// contacts of 10 / 1,000 / 1,000,000 goal events, and replay time and resident memory for the
// seeded 1M-contact / 10M-event dataset (bench/dataset.h).
//
// TALLY_BENCH_DIR (default /tmp/tally_engine_bench) holds the logs; the replay log is built
// on first use and kept, so a second run measures replay in a fresh process.
// TALLY_BENCH_EVENTS / TALLY_BENCH_CONTACTS shrink the replay dataset for quick runs.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/bench_root.h"
#include "bench/dataset.h"
#include "engine/engine.h"
#include "log/log.h"

namespace tally::bench {
namespace {

using engine::AggregateOp;
using engine::Engine;
using engine::EventInput;
using engine::TimeUs;

std::filesystem::path BenchDir() {
  return BenchRoot("tally_engine_bench");
}

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

// "<prefix><n>"; written out because `"x" + std::to_string(n)` trips a GCC 12 -Wrestrict
// false alarm.
std::string Numbered(std::string_view prefix, std::uint64_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

// Resident anonymous memory, from the page-table walk of /proc/self/smaps_rollup: exact, and
// without the log segments the replay reads through its mapping. (/proc/self/statm's counters
// are approximate and, at 10M events, showed 20 MB of growth for a 4.5 GB replay.) The heap is
// trimmed first so that memory freed earlier in the process (building the log) and reused by
// the replay does not hide its growth.
std::uint64_t ResidentAnonymousBytes() {
  ::malloc_trim(0);
  std::ifstream rollup("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(rollup, line)) {
    if (line.rfind("Anonymous:", 0) == 0) return std::stoull(line.substr(10)) * 1024;  // kB
  }
  std::abort();  // every Linux since 4.14 has the line
}

std::uint64_t PeakResidentBytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

// A Log (sync none) and an Engine over it, in `dir`.
struct BenchEngine {
  explicit BenchEngine(const std::filesystem::path& log_dir, bool fresh) : dir(log_dir) {
    if (fresh) std::filesystem::remove_all(dir);
    log::LogOptions options;
    options.dir = dir;
    options.sync = log::SyncPolicy::kNone;
    auto opened = log::Log::Open(options);
    if (!opened.ok()) std::abort();
    log = std::move(opened).value();
    auto e = Engine::Open({log.get(), &clock});
    if (!e.ok()) std::abort();
    engine = std::move(e).value();
  }
  ~BenchEngine() {
    engine.reset();
    (void)log->Close();
  }

  std::filesystem::path dir;
  // Past the dataset's last occurred_at, so every generated time validates.
  engine::ManualClock clock{DatasetOptions().end_us + 3'600'000'000};
  std::unique_ptr<log::Log> log;
  std::unique_ptr<Engine> engine;
};

void BM_EngineUpsert(benchmark::State& state) {
  // One engine shared by every run and thread (static init is thread safe); each thread writes
  // its own keys to contacts spread over 100,000 emails.
  static BenchEngine shared(BenchDir() / "upsert", /*fresh=*/true);
  static const std::vector<std::string> emails = [] {
    std::vector<std::string> e;
    for (std::uint64_t i = 0; i < 100'000; ++i) e.push_back(DatasetGenerator::Email(i));
    return e;
  }();
  static std::atomic<std::uint64_t> run{0};
  const std::uint64_t prefix = run.fetch_add(1);
  std::mt19937_64 rng(prefix);
  EventInput in;
  in.event_name = "order.completed";
  in.goal_type = "purchase";
  in.goal_value = 19.99;
  in.properties_json = R"({"sku":"SKU-000123","qty":2,"channel":"web","ok":true})";
  in.occurred_at = DatasetOptions().end_us;
  std::uint64_t n = 0;
  for (auto _ : state) {
    in.email = emails[rng() % emails.size()];
    in.external_id = Numbered(Numbered("r", prefix) + "-", n);
    // Events arrive in time order, as they mostly do in production.
    in.occurred_at = DatasetOptions().end_us - 1'000'000'000 + static_cast<TimeUs>(n++);
    auto r = shared.engine->Upsert("ws", in);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EngineUpsert)->Threads(1)->Threads(2)->UseRealTime();

// An engine whose contact hot@example.com has `events` purchases, one per minute.
BenchEngine& AggregateEngine(std::uint64_t events) {
  static std::mutex mu;
  static std::map<std::uint64_t, std::unique_ptr<BenchEngine>> engines;
  std::lock_guard lock(mu);
  auto& slot = engines[events];
  if (slot) return *slot;
  slot = std::make_unique<BenchEngine>(BenchDir() / Numbered("aggregate_", events), true);
  std::mt19937_64 rng(events);
  std::vector<EventInput> batch;
  const TimeUs start = DatasetOptions().end_us - static_cast<TimeUs>(events) * 60'000'000;
  for (std::uint64_t i = 0; i < events; ++i) {
    EventInput in;
    in.email = "hot@example.com";
    in.event_name = "order.completed";
    in.external_id = Numbered("o", i);
    in.occurred_at = start + static_cast<TimeUs>(i) * 60'000'000;
    in.goal_type = "purchase";
    in.goal_value = static_cast<double>(500 + rng() % 49'500) / 100.0;
    batch.push_back(std::move(in));
    if (batch.size() == 50 || i + 1 == events) {
      if (!slot->engine->Import("ws", batch).status.ok()) std::abort();
      batch.clear();
    }
  }
  return *slot;
}

void BM_AggregateQuery(benchmark::State& state) {
  const auto events = static_cast<std::uint64_t>(state.range(0));
  BenchEngine& bench = AggregateEngine(events);
  const TimeUs start = DatasetOptions().end_us - static_cast<TimeUs>(events) * 60'000'000;
  const TimeUs span = static_cast<TimeUs>(events) * 60'000'000;
  std::mt19937_64 rng(7);
  std::vector<engine::AggregateQuery> queries(1024);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto& q = queries[i];
    q.workspace_id = "ws";
    q.email = "hot@example.com";
    q.goal_type = engine::GoalType::kPurchase;
    q.op = static_cast<AggregateOp>(i % 5);
    TimeUs a = start + static_cast<TimeUs>(rng() % static_cast<std::uint64_t>(span));
    TimeUs b = start + static_cast<TimeUs>(rng() % static_cast<std::uint64_t>(span));
    if (a > b) std::swap(a, b);
    q.range.after = a;
    q.range.before = b;
    q.range.before_inclusive = true;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = bench.engine->Aggregate(queries[i++ & 1023]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AggregateQuery)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(1'000'000)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

// Writes the seeded dataset into a log with imports of 50, unless that log already exists.
std::filesystem::path ReplayLog(const DatasetOptions& options) {
  const auto dir =
      BenchDir() / (Numbered(Numbered("replay_", options.contacts) + "c_", options.events) + "e");
  if (std::filesystem::exists(dir / "complete")) return dir;
  BenchEngine writer(dir, /*fresh=*/true);
  DatasetGenerator generator(options);
  std::vector<EventInput> batch;
  EventInput in;
  while (generator.Next(&in)) {
    batch.push_back(std::move(in));
    if (batch.size() == 50) {
      const auto out = writer.engine->Import("ws", batch);
      if (!out.status.ok()) std::abort();
      batch.clear();
    }
  }
  if (!batch.empty() && !writer.engine->Import("ws", batch).status.ok()) std::abort();
  std::ofstream(dir / "complete") << generator.produced() << "\n";
  return dir;
}

void BM_Replay(benchmark::State& state) {
  DatasetOptions options;
  options.events = EnvOr("TALLY_BENCH_EVENTS", options.events);
  options.contacts = EnvOr("TALLY_BENCH_CONTACTS", options.contacts);
  const auto dir = ReplayLog(options);
  for (auto _ : state) {
    // Only Engine::Open (the replay) is timed: opening and closing the log are the log's.
    state.PauseTiming();
    log::LogOptions log_options;
    log_options.dir = dir;
    log_options.sync = log::SyncPolicy::kNone;
    auto log = log::Log::Open(log_options);
    if (!log.ok()) std::abort();
    engine::ManualClock clock(options.end_us);
    const std::uint64_t before = ResidentAnonymousBytes();
    state.ResumeTiming();
    auto replayed = Engine::Open({log->get(), &clock});
    state.PauseTiming();
    if (!replayed.ok()) std::abort();
    const std::uint64_t after = ResidentAnonymousBytes();
    const Engine::Stats stats = (*replayed)->GetStats();
    state.counters["events"] = static_cast<double>(stats.events);
    state.counters["contacts"] = static_cast<double>(stats.contacts);
    state.counters["state_rss_MB"] = static_cast<double>(after - before) / 1e6;
    state.counters["state_bytes_per_event"] =
        static_cast<double>(after - before) / static_cast<double>(stats.events);
    state.counters["peak_rss_MB"] = static_cast<double>(PeakResidentBytes()) / 1e6;
    state.counters["events_per_s"] =
        benchmark::Counter(static_cast<double>(stats.events), benchmark::Counter::kIsRate);
    replayed->reset();
    (void)(*log)->Close();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Replay)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tally::bench
