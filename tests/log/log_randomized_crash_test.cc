// Randomized crash test against a reference model: a seeded random sequence of appends (random
// sizes, across segment rollovers), explicit syncs and an optional injected sync failure, then a
// simulated crash (FaultInjectingFileSystem keeps only synced bytes). After reopening, the log
// must hold a gap-free prefix of what was appended, with the right content, and at least every
// record that was reported durable; and the same with several threads appending while the
// crash happens. TALLY_LOG_SEED=<n> replays one seed.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log/log.h"
#include "log/record_format.h"
#include "tests/log/fault_injecting_file_system.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using testing::FaultInjectingFileSystem;
using testing::ReadAll;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::TempDir;

std::vector<std::uint64_t> Seeds() {
  if (const char* seed = std::getenv("TALLY_LOG_SEED")) {
    return {std::stoull(seed)};
  }
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    seeds.push_back(seed);
  }
  return seeds;
}

void RunSeed(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng);
  };
  TempDir dir;
  FaultInjectingFileSystem fs;
  // For the reopen: a fresh file system; the files hold exactly what was synced before the crash.
  FaultInjectingFileSystem after_crash;
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = std::uint64_t{4096} << pick(3);
  const SyncPolicy policies[] = {SyncPolicy::kNone, SyncPolicy::kAlways, SyncPolicy::kInterval};
  options.sync = policies[pick(3)];
  options.sync_interval_ms = 1;
  options.fs = &fs;
  const bool fail_a_sync = pick(3) == 0;
  auto opened = Log::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto log = std::move(opened).value();

  std::vector<std::string> appended;  // the model: id of LSN i + 1
  Lsn durable = 0;                    // highest LSN the log reported durable
  const std::uint64_t operations = 20 + pick(200);
  const std::uint64_t fail_at = pick(operations);
  bool failed = false;
  for (std::uint64_t op = 0; op < operations; ++op) {
    if (fail_a_sync && op == fail_at) {
      fs.FailNth(FaultInjectingFileSystem::Op::kSync, 1, EIO, /*sticky=*/false);
    }
    if (pick(10) == 0) {
      const Status status = log->Sync();
      failed = failed || !status.ok();
    } else {
      const std::string id = std::to_string(seed) + "/" + std::to_string(op);
      const std::size_t filler = pick(PayloadBytesMax(options.segment_bytes) / 2);
      const auto payload = SegmentDeletePayload(id, filler);
      Result<Lsn> lsn = log->Append(SegmentDeleteType(), payload);
      if (lsn.ok()) {
        ASSERT_FALSE(failed) << "an append succeeded after a failed sync";
        ASSERT_EQ(*lsn, appended.size() + 1);
        appended.push_back(id);
      } else {
        // Under kAlways the record is in memory but not durable; it may or may not survive.
        failed = true;
        if (lsn.status().code() == Status::Code::kIoError && log->last_lsn() > appended.size()) {
          appended.push_back(id);
        }
      }
    }
    durable = std::max(durable, log->durable_lsn());
  }
  fs.Crash();
  log.reset();

  options.fs = &after_crash;
  opened = Log::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const auto read = ReadAll(**opened);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  ASSERT_GE(read.lsns.size(), durable) << "a record reported durable is missing";
  ASSERT_LE(read.lsns.size(), appended.size());
  for (std::size_t i = 0; i < read.lsns.size(); ++i) {
    ASSERT_EQ(read.lsns[i], i + 1);
    ASSERT_EQ(read.ids[i], appended[i]) << "LSN " << i + 1;
  }
  // The recovered log continues right after what it kept.
  const auto payload = SegmentDeletePayload("after");
  Result<Lsn> next = (*opened)->Append(SegmentDeleteType(), payload);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, read.lsns.size() + 1);
}

// Several threads append (and sometimes Sync) while the main thread crashes the file system
// at a random moment. Afterwards the log holds a gap-free prefix covering every LSN reported
// durable, and each LSN an Append returned holds that append's record.
void RunConcurrentSeed(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng);
  };
  TempDir dir;
  FaultInjectingFileSystem fs;
  FaultInjectingFileSystem after_crash;
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = std::uint64_t{4096} << pick(3);
  const SyncPolicy policies[] = {SyncPolicy::kNone, SyncPolicy::kAlways, SyncPolicy::kInterval};
  options.sync = policies[pick(3)];
  options.sync_interval_ms = 1;
  options.fs = &fs;
  auto opened = Log::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto log = std::move(opened).value();

  const int threads = 2 + static_cast<int>(pick(3));
  const std::uint64_t thread_seed = rng();
  std::mutex model_mu;
  std::map<Lsn, std::string> model;  // guarded by model_mu
  std::atomic<Lsn> durable{0};
  std::vector<std::thread> appenders;
  for (int t = 0; t < threads; ++t) {
    appenders.emplace_back([&, t] {
      std::mt19937_64 thread_rng(thread_seed + static_cast<std::uint64_t>(t));
      for (int i = 0; i < 150; ++i) {
        if (thread_rng() % 10 == 0) {
          if (!log->Sync().ok()) {
            return;
          }
        } else {
          const std::string id = testing::PairId(t, i);
          const auto payload =
              SegmentDeletePayload(id, thread_rng() % (PayloadBytesMax(options.segment_bytes) / 2));
          Result<Lsn> lsn = log->Append(SegmentDeleteType(), payload);
          if (!lsn.ok()) {
            return;  // the crash made syncs (and so appends) fail
          }
          std::lock_guard lock(model_mu);
          model[*lsn] = id;
        }
        Lsn seen = log->durable_lsn();
        Lsn max = durable.load();
        while (seen > max && !durable.compare_exchange_weak(max, seen)) {
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::microseconds(pick(3000)));
  fs.Crash();
  for (auto& appender : appenders) {
    appender.join();
  }
  log.reset();

  options.fs = &after_crash;
  opened = Log::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const auto read = ReadAll(**opened);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  ASSERT_GE(read.lsns.size(), durable.load()) << "a record reported durable is missing";
  for (std::size_t i = 0; i < read.lsns.size(); ++i) {
    ASSERT_EQ(read.lsns[i], i + 1);
    const auto it = model.find(i + 1);
    // An LSN without a model entry is an append that failed after the crash but whose bytes
    // a sync had already carried to disk: present, but never acknowledged.
    if (it != model.end()) {
      ASSERT_EQ(read.ids[i], it->second) << "LSN " << i + 1;
    }
  }
}

TEST(LogRandomizedCrashTest, RecoveredLogIsAGapFreePrefixHoldingEveryDurableRecord) {
  for (const std::uint64_t seed : Seeds()) {
    SCOPED_TRACE("seed " + std::to_string(seed) +
                 " (replay with TALLY_LOG_SEED=" + std::to_string(seed) + ")");
    RunSeed(seed);
    if (HasFatalFailure()) {
      return;
    }
  }
}

TEST(LogRandomizedCrashTest, ConcurrentAppendersCrashedMidLoadLeaveEveryDurableRecord) {
  for (const std::uint64_t seed : Seeds()) {
    SCOPED_TRACE("seed " + std::to_string(seed) +
                 " (replay with TALLY_LOG_SEED=" + std::to_string(seed) + ")");
    RunConcurrentSeed(seed);
    if (HasFatalFailure()) {
      return;
    }
  }
}

}  // namespace
}  // namespace tally::log
