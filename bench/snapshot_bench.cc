// Snapshot benchmarks (issue 6): writing a snapshot and loading one, for the seeded dataset
// (bench/dataset.h) at 100k and 1M events, or 10M with --large; the file size; and upsert latency
// p50/p99 with and without a snapshot being written meanwhile.
//
// TALLY_BENCH_DIR (default /tmp/tally_snapshot_bench) holds the logs and snapshot files.
// Usage: snapshot_bench [--large] [Google Benchmark flags]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "bench/bench_root.h"
#include "bench/dataset.h"
#include "engine/engine.h"
#include "engine/write_gate.h"
#include "log/log.h"
#include "log/logger.h"

namespace tally::bench {
namespace {

using engine::Engine;
using engine::EventInput;
using engine::TimeUs;

std::filesystem::path BenchDir() {
  return BenchRoot("tally_snapshot_bench");
}

std::string Numbered(std::string_view prefix, std::uint64_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

std::unique_ptr<log::Log> OpenLog(const std::filesystem::path& dir, log::Lsn first_lsn) {
  std::filesystem::remove_all(dir);
  log::LogOptions options;
  options.dir = dir;
  options.sync = log::SyncPolicy::kNone;
  options.first_lsn = first_lsn;
  auto log = log::Log::Open(options);
  if (!log.ok()) std::abort();
  return std::move(log).value();
}

// An engine holding the first `events` events of the dataset (contacts: a tenth of that), and
// a snapshot of it.
struct Loaded {
  std::uint64_t events = 0;
  engine::ManualClock clock{DatasetOptions().end_us + 3'600'000'000};
  std::unique_ptr<log::Log> log;
  std::unique_ptr<Engine> engine;
  std::filesystem::path snapshot;
  engine::SnapshotHeader header;
};

Loaded& Prepare(std::uint64_t events) {
  static std::mutex mu;
  static std::map<std::uint64_t, std::unique_ptr<Loaded>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[events];
  if (slot) return *slot;
  // One large engine at a time: drop the others first.
  cache.clear();
  auto& fresh = cache[events];
  fresh = std::make_unique<Loaded>();
  Loaded& l = *fresh;
  l.events = events;
  l.log = OpenLog(BenchDir() / Numbered("log_", events), 1);
  auto opened = Engine::Open({l.log.get(), &l.clock, false});
  if (!opened.ok()) std::abort();
  l.engine = std::move(opened).value();
  DatasetOptions options;
  options.events = events;
  options.contacts = std::max<std::uint64_t>(events / 10, 1);
  DatasetGenerator generator(options);
  std::vector<EventInput> batch;
  EventInput in;
  while (generator.Next(&in)) {
    batch.push_back(std::move(in));
    if (batch.size() == 50) {
      if (!l.engine->Import("ws", batch).status.ok()) std::abort();
      batch.clear();
    }
  }
  if (!batch.empty() && !l.engine->Import("ws", batch).status.ok()) std::abort();
  l.snapshot = BenchDir() / Numbered("snapshot_", events);
  auto header = l.engine->WriteSnapshot(l.snapshot, {});
  if (!header.ok()) std::abort();
  l.header = *header;
  return l;
}

void BM_SnapshotWrite(benchmark::State& state) {
  Loaded& l = Prepare(static_cast<std::uint64_t>(state.range(0)));
  const engine::SnapshotWriteOptions options;
  const auto file = BenchDir() / "write.snap";
  engine::SnapshotHeader header;
  for (auto _ : state) {
    auto written = l.engine->WriteSnapshot(file, options);
    if (!written.ok()) state.SkipWithError(written.status().ToString().c_str());
    if (written.ok()) header = *written;
  }
  state.counters["events"] = static_cast<double>(header.events);
  state.counters["file_MB"] = static_cast<double>(header.file_bytes) / 1e6;
  state.counters["bytes_per_event"] =
      static_cast<double>(header.file_bytes) / static_cast<double>(header.events);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * header.file_bytes));
}

double CpuSeconds(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void BM_SnapshotLoad(benchmark::State& state) {
  Loaded& l = Prepare(static_cast<std::uint64_t>(state.range(0)));
  // The whole process's page faults and CPU time (all loading threads) per load.
  std::uint64_t faults = 0;
  double cpu_s = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto log = OpenLog(BenchDir() / "load_log", l.header.lsn + 1);
    engine::EngineOptions options;
    options.log = log.get();
    options.clock = &l.clock;
    options.segment_timer = false;
    options.snapshot = l.snapshot;
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    state.ResumeTiming();
    auto loaded = Engine::Open(options);
    state.PauseTiming();
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    faults += static_cast<std::uint64_t>(after.ru_minflt - before.ru_minflt);
    cpu_s += CpuSeconds(after) - CpuSeconds(before);
    if (!loaded.ok()) state.SkipWithError(loaded.status().ToString().c_str());
    loaded = Status::Internal("released");  // frees the engine outside the timing
    state.ResumeTiming();
  }
  const auto loads = static_cast<double>(state.iterations());
  state.counters["faults"] = static_cast<double>(faults) / loads;
  state.counters["process_cpu_s"] = cpu_s / loads;
  state.counters["events"] = static_cast<double>(l.header.events);
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(l.header.events) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

// Upserts to the prepared engine, one after another: each adds a new event (so a run leaves
// the engine larger) to the contacts in turn, and its latency is recorded.
class UpsertTimer {
 public:
  explicit UpsertTimer(Loaded& l) : l_(l) {
    static std::atomic<std::uint64_t> run{0};
    prefix_ = Numbered("u", run.fetch_add(1)) + "-";
    in_.event_name = "order.completed";
    in_.goal_type = "purchase";
    in_.goal_value = 19.99;
    in_.properties_json = R"({"sku":"SKU-000123","qty":2,"channel":"web","ok":true})";
  }

  // Upserts one event and appends its latency to `latencies_us`; false if the upsert failed.
  bool Next(std::vector<double>& latencies_us) {
    in_.email = DatasetGenerator::Email(n_ % std::max<std::uint64_t>(l_.events / 10, 1));
    in_.external_id = Numbered(prefix_, n_);
    in_.occurred_at = DatasetOptions().end_us - 1'000'000'000 + static_cast<TimeUs>(n_++);
    const auto started = std::chrono::steady_clock::now();
    const bool ok = l_.engine->Upsert("ws", in_).ok();
    latencies_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
            .count());
    return ok;
  }

 private:
  Loaded& l_;
  std::string prefix_;
  EventInput in_;
  std::uint64_t n_ = 0;
};

// Context switches and page faults of the calling thread, summed over Start/Stop intervals.
struct ThreadWaits {
  std::uint64_t blocks = 0;
  std::uint64_t preempted = 0;
  std::uint64_t faults = 0;
  rusage started{};

  void Start() { ::getrusage(RUSAGE_THREAD, &started); }
  void Stop() {
    rusage now{};
    ::getrusage(RUSAGE_THREAD, &now);
    blocks += static_cast<std::uint64_t>(now.ru_nvcsw - started.ru_nvcsw);
    preempted += static_cast<std::uint64_t>(now.ru_nivcsw - started.ru_nivcsw);
    faults += static_cast<std::uint64_t>(now.ru_minflt - started.ru_minflt);
  }
};

// The q-quantile of `latencies_us`, which it sorts.
double Quantile(std::vector<double>& latencies_us, double q) {
  std::sort(latencies_us.begin(), latencies_us.end());
  return latencies_us[static_cast<std::size_t>(q * static_cast<double>(latencies_us.size() - 1))];
}

// Upsert latency on the prepared engine; with range(1) = 1 a background thread writes
// snapshots back to back during the measurement.
void BM_SnapshotUpsertLatency(benchmark::State& state) {
  Loaded& l = Prepare(static_cast<std::uint64_t>(state.range(0)));
  const bool during = state.range(1) != 0;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> snapshots{0};
  std::atomic<std::int64_t> snapshot_us_max{0};
  std::thread writer;
  if (during) {
    writer = std::thread([&] {
      while (!stop.load()) {
        const auto started = std::chrono::steady_clock::now();
        if (!l.engine->WriteSnapshot(BenchDir() / "during.snap", {}).ok()) std::abort();
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        snapshot_us_max = std::max<std::int64_t>(snapshot_us_max.load(), us);
        ++snapshots;
      }
    });
  }
  std::vector<double> latencies_us;
  rusage usage_before{};
  ::getrusage(RUSAGE_THREAD, &usage_before);
  UpsertTimer upserts(l);
  for (auto _ : state) {
    if (!upserts.Next(latencies_us)) state.SkipWithError("upsert failed");
  }
  rusage usage_after{};
  ::getrusage(RUSAGE_THREAD, &usage_after);
  stop = true;
  if (writer.joinable()) writer.join();
  // Page faults of the writing thread (copy-on-write faults, when snapshots forked).
  state.counters["faults_per_upsert"] =
      static_cast<double>(usage_after.ru_minflt - usage_before.ru_minflt) /
      static_cast<double>(state.iterations());
  state.counters["cpu_s"] =
      (static_cast<double>(usage_after.ru_utime.tv_sec - usage_before.ru_utime.tv_sec) +
       static_cast<double>(usage_after.ru_stime.tv_sec - usage_before.ru_stime.tv_sec) +
       static_cast<double>(usage_after.ru_utime.tv_usec - usage_before.ru_utime.tv_usec) / 1e6 +
       static_cast<double>(usage_after.ru_stime.tv_usec - usage_before.ru_stime.tv_usec) / 1e6);
  state.counters["p50_us"] = Quantile(latencies_us, 0.50);
  state.counters["p99_us"] = Quantile(latencies_us, 0.99);
  state.counters["max_us"] = latencies_us.back();
  if (during) {
    state.counters["snapshots"] = static_cast<double>(snapshots.load());
    state.counters["snapshot_s_max"] = static_cast<double>(snapshot_us_max.load()) / 1e6;
  }
}

// The issue's ratio, measured so that it can be trusted on a shared machine: range(1) rounds,
// each timing upserts while one snapshot is written and then as many upserts with none, so
// that the machine's load and the engine's growth weigh on both sides alike. Reports both
// sides' p50/p99, the samples each p99 rests on and p99 during / p99 without; run it with
// --benchmark_repetitions for the ratio's spread.
void BM_SnapshotUpsertLatencyPaired(benchmark::State& state) {
  Loaded& l = Prepare(static_cast<std::uint64_t>(state.range(0)));
  const auto rounds = static_cast<int>(state.range(1));
  std::vector<double> during_us;
  std::vector<double> without_us;
  // What the writing thread waited for, each side: blocking (voluntary context switches: a
  // lock held elsewhere), preemption (involuntary ones) and page faults.
  ThreadWaits during_waits;
  ThreadWaits without_waits;
  double snapshot_s = 0;
  UpsertTimer upserts(l);
  for (auto _ : state) {
    for (int round = 0; round < rounds; ++round) {
      std::atomic<bool> written{false};
      const auto started = std::chrono::steady_clock::now();
      during_waits.Start();
      std::thread writer([&] {
        if (!l.engine->WriteSnapshot(BenchDir() / "during.snap", {}).ok()) std::abort();
        written = true;
      });
      const std::size_t before = during_us.size();
      while (!written.load()) {
        if (!upserts.Next(during_us)) state.SkipWithError("upsert failed");
      }
      during_waits.Stop();
      writer.join();
      snapshot_s +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      without_waits.Start();
      for (std::size_t i = before; i < during_us.size(); ++i) {
        if (!upserts.Next(without_us)) state.SkipWithError("upsert failed");
      }
      without_waits.Stop();
    }
  }
  const auto samples = static_cast<double>(during_us.size());
  state.counters["samples"] = samples;
  state.counters["snapshots"] = rounds * static_cast<double>(state.iterations());
  state.counters["snapshot_s"] = snapshot_s / state.counters["snapshots"];
  state.counters["p50_without_us"] = Quantile(without_us, 0.50);
  state.counters["p50_during_us"] = Quantile(during_us, 0.50);
  const double p99_without = Quantile(without_us, 0.99);
  const double p99_during = Quantile(during_us, 0.99);
  state.counters["p99_without_us"] = p99_without;
  state.counters["p99_during_us"] = p99_during;
  state.counters["p99_ratio"] = p99_during / p99_without;
  // Per 1000 upserts.
  const auto per_k = [&](std::uint64_t count) {
    return 1000.0 * static_cast<double>(count) / samples;
  };
  state.counters["blocks_without_k"] = per_k(without_waits.blocks);
  state.counters["blocks_during_k"] = per_k(during_waits.blocks);
  state.counters["preempted_without_k"] = per_k(without_waits.preempted);
  state.counters["preempted_during_k"] = per_k(during_waits.preempted);
  state.counters["faults_without_k"] = per_k(without_waits.faults);
  state.counters["faults_during_k"] = per_k(during_waits.faults);
}

// What passing the write gate adds to every write: one Enter and one Leave, with the gate open
// (threads share its counter's cache line, as writers do).
void BM_WriteGatePass(benchmark::State& state) {
  static engine::WriteGate gate;
  for (auto _ : state) {
    const engine::WriteGatePass pass(gate);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_WriteGatePass)->Threads(1)->Threads(2)->UseRealTime();

void Register(std::uint64_t events) {
  const auto e = static_cast<std::int64_t>(events);
  benchmark::RegisterBenchmark("BM_SnapshotWrite", BM_SnapshotWrite)
      ->ArgNames({"events"})
      ->Arg(e)
      ->Iterations(events >= 10'000'000 ? 1 : 3)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_SnapshotLoad", BM_SnapshotLoad)
      ->ArgNames({"events"})
      ->Arg(e)
      ->Iterations(events >= 10'000'000 ? 1 : 3)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_SnapshotUpsertLatency", BM_SnapshotUpsertLatency)
      ->ArgNames({"events", "snapshotting"})
      ->Args({e, 0})
      ->Args({e, 1})
      ->MinTime(events >= 10'000'000 ? 20.0 : 3.0)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_SnapshotUpsertLatencyPaired", BM_SnapshotUpsertLatencyPaired)
      ->ArgNames({"events", "rounds"})
      ->Args({e, 4})
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace
}  // namespace tally::bench

int main(int argc, char** argv) {
  tally::SetLogLevel(tally::LogLevel::kWarn);
  bool large = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--large") == 0) {
      large = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  std::filesystem::create_directories(tally::bench::BenchDir());
  if (large) {
    tally::bench::Register(10'000'000);
  } else {
    tally::bench::Register(100'000);
    tally::bench::Register(1'000'000);
  }
  benchmark::Initialize(&count, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
