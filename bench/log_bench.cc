// Log benchmarks (docs/benchmarks.md, "## Log"): appends without sync from 1 and 2 threads,
// the raw copy loop into a mapping with and without pre-faulted pages (the ceiling appends are
// measured against), group-committed appends under kAlways, and replay with verification.
//
// Logs are written under $TALLY_BENCH_DIR (default: the system temp directory) and removed
// after each benchmark. After the run, the binary prints the append/raw-copy ratios.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log/frame_check.h"
#include "log/log.h"
#include "log/log_reader.h"
#include "log/posix_file_system.h"
#include "log/record_format.h"
#include "schemas/log_record_generated.h"

namespace tally::log {
namespace {

std::filesystem::path BenchDir(const std::string& name) {
  const char* root = std::getenv("TALLY_BENCH_DIR");
  std::filesystem::path dir =
      root != nullptr ? std::filesystem::path(root) : std::filesystem::temp_directory_path();
  dir /= "tally_log_bench_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// A SegmentDelete Record of exactly `bytes` bytes (bytes >= 64, multiple of 4).
std::vector<std::byte> PayloadOfSize(std::size_t bytes) {
  const auto build = [](std::size_t filler) {
    flatbuffers::FlatBufferBuilder builder(256 + filler);
    const auto workspace = builder.CreateString(std::string(filler, 'w'));
    const auto id = builder.CreateString("segment-id");
    const auto body = schemas::CreateSegmentDelete(builder, workspace, id, 1234);
    schemas::FinishRecordBuffer(
        builder, schemas::CreateRecord(builder, schemas::RecordBody::SegmentDelete, body.Union()));
    const auto* data = reinterpret_cast<const std::byte*>(builder.GetBufferPointer());
    return std::vector<std::byte>(data, data + builder.GetSize());
  };
  const std::size_t overhead = build(0).size();
  std::size_t filler = bytes > overhead ? bytes - overhead : 0;
  std::vector<std::byte> payload = build(filler);
  // String padding can add a few bytes; trim the filler until the size matches or is below.
  while (payload.size() > bytes && filler > 0) {
    payload = build(--filler);
  }
  return payload;
}

constexpr std::uint16_t kType = static_cast<std::uint16_t>(schemas::RecordBody::SegmentDelete);

std::unique_ptr<Log> OpenLog(const std::filesystem::path& dir, SyncPolicy sync,
                             FileSystem* fs = nullptr) {
  LogOptions options;
  options.dir = dir;
  options.sync = sync;
  options.fs = fs;
  auto log = Log::Open(options);
  if (!log.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), log.status().ToString().c_str());
    std::abort();
  }
  return std::move(log).value();
}

// Shared by the threads of one multi-threaded run; set up and torn down by thread 0 (the
// library starts and stops every thread's loop together).
std::unique_ptr<Log> shared_log;
std::filesystem::path shared_dir;

void SetUpShared(const benchmark::State& state, const std::string& name, SyncPolicy sync,
                 FileSystem* fs = nullptr) {
  if (state.thread_index() == 0) {
    shared_dir = BenchDir(name);
    shared_log = OpenLog(shared_dir, sync, fs);
  }
}

void TearDownShared(const benchmark::State& state) {
  if (state.thread_index() == 0) {
    shared_log.reset();
    std::filesystem::remove_all(shared_dir);
  }
}

void BM_LogAppend(benchmark::State& state) {
  const auto payload = PayloadOfSize(static_cast<std::size_t>(state.range(0)));
  SetUpShared(state, "append", SyncPolicy::kNone);
  std::uint64_t count = 0;
  for (auto _ : state) {
    Result<Lsn> lsn = shared_log->Append(kType, payload);
    if (!lsn.ok()) {
      state.SkipWithError(lsn.status().ToString().c_str());
      break;
    }
    // Compaction keeps the disk and page cache from filling up during long runs: drop
    // everything behind the writer every so often, outside the measured time (in tally it
    // runs after a snapshot, not on the append path).
    if (state.thread_index() == 0 && (++count & 0x3ffff) == 0) {
      state.PauseTiming();
      (void)shared_log->DeleteSegmentsBelow(*lsn);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
  TearDownShared(state);
}
BENCHMARK(BM_LogAppend)
    ->RangeMultiplier(4)
    ->Range(64, 4096)
    ->Arg(300)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// The per-record checks an append runs besides the copy: the FlatBuffers verifier (arg 1) and
// the XXH3-64 payload checksum (arg 0), on a record of 300 bytes, in the CPU cache.
void BM_RecordCheck(benchmark::State& state) {
  const auto payload = PayloadOfSize(300);
  const bool verify = state.range(0) == 1;
  for (auto _ : state) {
    if (verify) {
      Status status = VerifyRecordPayload(kType, payload);
      benchmark::DoNotOptimize(status);
    } else {
      benchmark::DoNotOptimize(PayloadChecksum(payload));
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordCheck)->ArgName("verifier")->Arg(0)->Arg(1);

// The ceiling: copying 300-byte records (8-aligned) into a MAP_SHARED file mapping whose pages
// are: 0, touched for the first time by the copy; 1, all faulted in before the loop; 2, faulted
// in by a helper thread that keeps 8 MiB ahead of the copy (what the log's SegmentPreparer
// does); 3, faulted in by the copying thread itself, 256 KiB at a time; 4 and 5, like 1 and 2
// with the mapping advised to use huge pages (MADV_HUGEPAGE, what the log does unless it syncs
// every append). On a virtual machine the first touch of each populated 4 KiB page still costs
// microseconds; with 2 MiB pages it costs nothing.
void BM_RawMappedCopy(benchmark::State& state) {
  const bool huge = state.range(0) >= 4;
  const std::int64_t mode = huge ? state.range(0) - 3 : state.range(0);
  constexpr std::size_t kRecordBytes = 300;
  constexpr std::size_t kStride = 304;
  constexpr std::size_t kMapBytes = std::size_t{256} << 20;
  constexpr std::size_t kAheadBytes = std::size_t{8} << 20;
  constexpr std::size_t kStepBytes = std::size_t{256} << 10;
  const auto dir = BenchDir("raw");
  std::filesystem::create_directories(dir);
  const auto path = dir / "raw.bin";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<std::byte> record(kRecordBytes, std::byte{0x42});
  std::byte* base = nullptr;
  std::atomic<std::size_t> written{0};
  std::atomic<bool> stop{false};
  std::thread helper;
  const auto populate = [&](std::size_t from, std::size_t bytes) {
    if (::madvise(base + from, bytes, MADV_POPULATE_WRITE) != 0) {
      std::abort();
    }
  };
  const auto stop_helper = [&] {
    if (helper.joinable()) {
      stop = true;
      helper.join();
    }
  };
  // A fresh extent each time, so that pages are really new to the page cache.
  const auto map_fresh = [&] {
    stop_helper();
    if (base != nullptr) {
      ::munmap(base, kMapBytes);
    }
    if (::ftruncate(fd, 0) != 0 || ::posix_fallocate(fd, 0, kMapBytes) != 0) {
      std::abort();
    }
    base = static_cast<std::byte*>(
        ::mmap(nullptr, kMapBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (base == MAP_FAILED || (huge && ::madvise(base, kMapBytes, MADV_HUGEPAGE) != 0)) {
      std::abort();
    }
    if (mode == 1) {
      populate(0, kMapBytes);
    }
    if (mode == 2) {
      written = 0;
      stop = false;
      populate(0, kAheadBytes);
      helper = std::thread([&] {
        std::size_t populated = kAheadBytes;
        while (!stop.load(std::memory_order_relaxed) && populated < kMapBytes) {
          if (written.load(std::memory_order_relaxed) + kAheadBytes > populated) {
            populate(populated, kStepBytes);
            populated += kStepBytes;
          } else {
            std::this_thread::yield();
          }
        }
      });
    }
  };
  map_fresh();
  std::size_t offset = 0;
  std::size_t populated = 0;
  for (auto _ : state) {
    if (offset + kStride > kMapBytes) {
      state.PauseTiming();
      map_fresh();
      offset = 0;
      populated = 0;
      state.ResumeTiming();
    }
    if (mode == 3 && offset + kStride > populated) {
      populate(populated, kStepBytes);
      populated += kStepBytes;
    }
    std::memcpy(base + offset, record.data(), kRecordBytes);
    benchmark::DoNotOptimize(base + offset);
    offset += kStride;
    written.store(offset, std::memory_order_relaxed);
  }
  stop_helper();
  state.SetItemsProcessed(state.iterations());
  ::munmap(base, kMapBytes);
  ::close(fd);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RawMappedCopy)->ArgName("prefaulted")->DenseRange(0, 5);

// A file of `bytes` for the raw sync benchmarks: reserved with posix_fallocate, which leaves
// "unwritten" extents (the first sync that writes into a block converts it, a journalled
// metadata change), and with `zeroed` also written with zeros and synced once, so that later
// syncs write data only. Aborts on failure (a benchmark has nobody to report to).
int OpenSyncFile(const std::filesystem::path& path, std::size_t bytes, bool zeroed) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::posix_fallocate(fd, 0, static_cast<off_t>(bytes)) != 0) {
    std::abort();
  }
  if (zeroed) {
    const std::vector<char> zeros(std::size_t{1} << 20, 0);
    for (std::size_t offset = 0; offset < bytes; offset += zeros.size()) {
      if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(offset)) !=
          static_cast<ssize_t>(zeros.size())) {
        std::abort();
      }
    }
  }
  if (::fsync(fd) != 0) {
    std::abort();
  }
  return fd;
}

// The price of one sync on this disk, the unit group commit amortizes: copy `bytes` (304: one
// record; 8192: a group of ~25 records of 300 B) into a MAP_SHARED file and make them durable
// with msync(MS_SYNC) of the pages they landed on (fdatasync:0, what the log does) or with
// fdatasync of the whole file (fdatasync:1), in a file whose blocks are only reserved
// (zeroed:0) or written with zeros beforehand (zeroed:1, see OpenSyncFile).
void BM_RawMappedSync(benchmark::State& state) {
  const bool fdatasync = state.range(0) == 1;
  const bool zeroed = state.range(1) == 1;
  const auto bytes = static_cast<std::size_t>(state.range(2));
  constexpr std::size_t kMapBytes = std::size_t{64} << 20;
  const auto dir = BenchDir("rawsync");
  std::filesystem::create_directories(dir);
  const int fd = OpenSyncFile(dir / "rawsync.bin", kMapBytes, zeroed);
  auto* base = static_cast<std::byte*>(
      ::mmap(nullptr, kMapBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (base == MAP_FAILED) {
    std::abort();
  }
  std::vector<std::byte> record(bytes, std::byte{0x42});
  std::size_t offset = 0;
  for (auto _ : state) {
    std::memcpy(base + offset, record.data(), record.size());
    const std::size_t page = offset / 4096 * 4096;
    if ((fdatasync ? ::fdatasync(fd) : ::msync(base + page, offset + bytes - page, MS_SYNC)) != 0) {
      std::abort();
    }
    offset = (offset + bytes) % (kMapBytes - bytes - 4096);
  }
  state.SetItemsProcessed(state.iterations());
  ::munmap(base, kMapBytes);
  ::close(fd);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RawMappedSync)
    ->ArgNames({"fdatasync", "zeroed", "bytes"})
    ->ArgsProduct({{0, 1}, {0, 1}, {304, 8192}})
    ->UseRealTime()
    ->MinTime(1.0);

// Whether the disk overlaps syncs: each thread copies 8 KiB into its own part of one zeroed,
// mapped file and msyncs it, concurrently with the others. Syncs per second rising with the
// thread count means two sync rounds in flight at once would pay.
void BM_RawMappedSyncConcurrent(benchmark::State& state) {
  constexpr std::size_t kMapBytes = std::size_t{64} << 20;
  constexpr std::size_t kBytes = 8192;
  static int fd = -1;
  static std::byte* base = nullptr;
  static std::filesystem::path dir;
  if (state.thread_index() == 0) {
    dir = BenchDir("rawsyncmt");
    std::filesystem::create_directories(dir);
    fd = OpenSyncFile(dir / "rawsync.bin", kMapBytes, /*zeroed=*/true);
    base = static_cast<std::byte*>(
        ::mmap(nullptr, kMapBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (base == MAP_FAILED) {
      std::abort();
    }
  }
  // The library starts every thread's loop together, after thread 0's set-up above.
  const std::size_t part = kMapBytes / static_cast<std::size_t>(state.threads());
  const std::size_t first = part * static_cast<std::size_t>(state.thread_index());
  std::vector<std::byte> record(kBytes, std::byte{0x42});
  std::size_t offset = 0;
  for (auto _ : state) {
    std::memcpy(base + first + offset, record.data(), record.size());
    if (::msync(base + first + offset, kBytes, MS_SYNC) != 0) {
      std::abort();
    }
    offset = (offset + kBytes) % (part - kBytes);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    ::munmap(base, kMapBytes);
    ::close(fd);
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_RawMappedSyncConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime()
    ->MinTime(1.0);

// The process's CPU time (every thread, user and system) in microseconds.
double ProcessCpuUs() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e6 + t.tv_usec; };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

// The real file system, except that a sync of written data returns at once and does nothing.
class NoDataSyncFileSystem final : public PosixFileSystem {
 public:
  Status SyncRange(FileHandle /*file*/, std::byte* /*base*/, std::uint64_t /*offset*/,
                   std::uint64_t /*bytes*/) override {
    return Status::Ok();
  }
};

// Group commit counters for a durable-append benchmark, from thread 0: the mean group size
// (records made durable per sync) and sync time from Log::GetStats, and the process's CPU time
// per record since `cpu_us_start` (appenders, sync thread and preparer together; on two cores,
// 10 µs per record is all the CPU there is at 200k records/s).
void ReportGroupCommit(benchmark::State& state, double cpu_us_start) {
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() != 0) return;
  const LogStats stats = shared_log->GetStats();
  const double syncs = static_cast<double>(std::max<std::uint64_t>(stats.syncs, 1));
  state.counters["records_per_sync"] = static_cast<double>(stats.group_records.sum) / syncs;
  state.counters["sync_us"] = static_cast<double>(stats.sync_latency_us.sum) / syncs;
  state.counters["cpu_us"] =
      (ProcessCpuUs() - cpu_us_start) /
      static_cast<double>(std::max<std::int64_t>(state.iterations() * state.threads(), 1));
}

// Group commit: every append waits until it is durable; threads share syncs (counters:
// ReportGroupCommit). With `fs`, the log runs on that file system.
void AppendDurable(benchmark::State& state, FileSystem* fs) {
  const auto payload = PayloadOfSize(300);
  SetUpShared(state, "durable", SyncPolicy::kAlways, fs);
  // The other threads wait for the loop to start, so this is the CPU time of the loop alone.
  const double cpu_us_start = state.thread_index() == 0 ? ProcessCpuUs() : 0;
  for (auto _ : state) {
    Result<Lsn> lsn = shared_log->Append(kType, payload);
    if (!lsn.ok()) {
      state.SkipWithError(lsn.status().ToString().c_str());
      break;
    }
  }
  ReportGroupCommit(state, cpu_us_start);
  TearDownShared(state);
}
void BM_LogAppendDurable(benchmark::State& state) {
  AppendDurable(state, nullptr);
}
BENCHMARK(BM_LogAppendDurable)->ThreadRange(1, 64)->UseRealTime()->MinTime(1.0);

// Group commit as the HTTP server drives it: each thread keeps range(0) appends in flight
// (AppendNoWait, then OnDurable counts the record as done on the sync thread) instead of
// parking one thread per append, so no appender thread is woken per record. A record counts
// once its callback has run, so the rate is of durable records.
void BM_LogAppendDurableInFlight(benchmark::State& state) {
  const auto payload = PayloadOfSize(300);
  const auto in_flight_max = static_cast<int>(state.range(0));
  SetUpShared(state, "durable_in_flight", SyncPolicy::kAlways);
  const double cpu_us_start = state.thread_index() == 0 ? ProcessCpuUs() : 0;
  // One pointer, so the callback fits std::function's inline buffer: no allocation per record.
  struct InFlight {
    std::atomic<int> count{0};
    std::atomic<bool> failed{false};
    int max = 0;
  } slots;
  slots.max = in_flight_max;
  std::atomic<int>& in_flight = slots.count;
  const auto done = [s = &slots](Status status) {
    if (!status.ok()) s->failed.store(true);
    // The appender sleeps only while every slot is taken or, at the end, until none is, so
    // only those two changes need a wake-up.
    const int before = s->count.fetch_sub(1);
    if (before == s->max || before == 1) s->count.notify_one();
  };
  for (auto _ : state) {
    for (int seen = in_flight.load(); seen >= in_flight_max; seen = in_flight.load()) {
      in_flight.wait(seen);
    }
    Result<Lsn> lsn = shared_log->AppendNoWait(kType, payload);
    if (!lsn.ok()) {
      state.SkipWithError(lsn.status().ToString().c_str());
      break;
    }
    in_flight.fetch_add(1);
    shared_log->OnDurable(*lsn, done);
  }
  for (int seen = in_flight.load(); seen > 0; seen = in_flight.load()) in_flight.wait(seen);
  if (slots.failed.load()) state.SkipWithError("a record did not become durable");
  ReportGroupCommit(state, cpu_us_start);
  TearDownShared(state);
}
BENCHMARK(BM_LogAppendDurableInFlight)->Arg(64)->Threads(1)->UseRealTime()->MinTime(1.0);

// The ceiling of group commit on this machine without the disk: BM_LogAppendDurable with syncs
// of data that cost nothing (everything else, the rounds, wake-ups and copies, is real). Its
// rate bounds what any disk could give the appenders; cpu_us is the CPU the group commit
// machinery spends per record.
void BM_GroupCommitWithoutDataSync(benchmark::State& state) {
  static NoDataSyncFileSystem fs;
  AppendDurable(state, &fs);
}
BENCHMARK(BM_GroupCommitWithoutDataSync)->Threads(1)->Threads(64)->UseRealTime()->MinTime(1.0);

// Replay: read and verify (checksums, FlatBuffers verifier) every record of a 256 MiB log; rates
// by wall-clock (the target is 1 GB/s of replay).
void BM_LogReplay(benchmark::State& state) {
  const auto payload = PayloadOfSize(static_cast<std::size_t>(state.range(0)));
  const auto dir = BenchDir("replay");
  auto log = OpenLog(dir, SyncPolicy::kNone);
  const std::size_t records = (std::size_t{256} << 20) / payload.size();
  for (std::size_t i = 0; i < records; ++i) {
    if (!log->Append(kType, payload).ok()) {
      std::abort();
    }
  }
  std::int64_t bytes = 0;
  for (auto _ : state) {
    Result<LogReader> reader = log->Read(1);
    std::size_t seen = 0;
    for (;;) {
      Result<std::optional<RecordView>> next = reader->Next();
      if (!next.ok() || !next->has_value()) {
        break;
      }
      bytes += static_cast<std::int64_t>((*next)->payload.size());
      ++seen;
    }
    if (seen != records) {
      state.SkipWithError("replay did not return every record");
      break;
    }
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(records));
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LogReplay)->Arg(300)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

struct RunTimes {
  double real_ns = 0;
  double cpu_ns = 0;
};

// Prints the console table and remembers each run's wall-clock and CPU time per iteration (the
// median when repetitions were asked for), so that main can print the ratios of the appends to
// the raw copy: wall-clock is what the targets are stated in, CPU time is what a busy
// machine distorts less.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") {
        continue;
      }
      const double to_ns = benchmark::GetTimeUnitMultiplier(benchmark::kNanosecond) /
                           benchmark::GetTimeUnitMultiplier(run.time_unit);
      times[run.run_name.str()] = RunTimes{.real_ns = run.GetAdjustedRealTime() * to_ns,
                                           .cpu_ns = run.GetAdjustedCPUTime() * to_ns};
    }
  }
  std::map<std::string, RunTimes> times;
};

}  // namespace
}  // namespace tally::log

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  tally::log::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto times = [&](const std::string& name) {
    const auto it = reporter.times.find(name);
    return it == reporter.times.end() ? tally::log::RunTimes{} : it->second;
  };
  const tally::log::RunTimes append = times("BM_LogAppend/300/real_time/threads:1");
  const char* const kModes[] = {"first touch",
                                "all pre-faulted",
                                "helper thread 8 MiB ahead",
                                "own thread, 256 KiB at a time",
                                "all pre-faulted, huge pages",
                                "helper thread 8 MiB ahead, huge pages"};
  for (int mode = 0; mode < 6; ++mode) {
    const tally::log::RunTimes raw = times("BM_RawMappedCopy/prefaulted:" + std::to_string(mode));
    if (raw.real_ns <= 0) {
      continue;
    }
    std::printf("raw copy of 300 B, %s: %.1f ns wall (%.2fM/s), %.1f ns CPU", kModes[mode],
                raw.real_ns, 1e3 / raw.real_ns, raw.cpu_ns);
    if (append.real_ns > 0) {
      std::printf(
          "; BM_LogAppend/300 (1 thread, %.1f ns wall, %.1f ns CPU) has %.2fx its rate "
          "by wall-clock, %.2fx by CPU",
          append.real_ns, append.cpu_ns, raw.real_ns / append.real_ns, raw.cpu_ns / append.cpu_ns);
    }
    std::printf("\n");
  }
  const double cold = times("BM_RawMappedCopy/prefaulted:0").cpu_ns;
  const double warm = times("BM_RawMappedCopy/prefaulted:1").cpu_ns;
  if (cold > 0 && warm > 0) {
    std::printf("raw copy, pre-faulted vs first-touch pages: %.1fx faster\n", cold / warm);
  }
  benchmark::Shutdown();
  return 0;
}
