// Log::OnDurable: callbacks instead of a thread blocked in WaitDurable. Each callback is called
// exactly once, inline when nothing needs waiting for, else on the sync thread after the sync
// that covers its LSN, or with the log's error when the log fails or closes first.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log/log.h"
#include "tests/log/fault_injecting_file_system.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using namespace std::chrono_literals;
using testing::FaultInjectingFileSystem;
using testing::Frames;
using testing::Id;
using testing::ReadFileBytes;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::SegmentFiles;
using testing::TempDir;
using Op = FaultInjectingFileSystem::Op;

LogOptions Options(const TempDir& dir, SyncPolicy sync, FileSystem* fs = nullptr) {
  LogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = 64 * 1024;
  options.sync = sync;
  options.sync_interval_ms = 60'000;  // kInterval: no sync happens during a test
  options.fs = fs;
  return options;
}

std::unique_ptr<Log> OpenOrDie(const LogOptions& options) {
  Result<std::unique_ptr<Log>> log = Log::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

Lsn AppendNoWait(Log& log, const std::string& id) {
  const auto payload = SegmentDeletePayload(id);
  Result<Lsn> lsn = log.AppendNoWait(SegmentDeleteType(), payload);
  EXPECT_TRUE(lsn.ok()) << lsn.status().ToString();
  return lsn.ok() ? *lsn : 0;
}

// What one callback saw when it was called.
struct Call {
  Status status;
  std::thread::id thread;
  Lsn durable_lsn = 0;  // the log's durable LSN at the moment of the call
};

// Registers a callback for `lsn` that fulfils the returned future.
std::future<Call> Register(Log& log, Lsn lsn) {
  auto promise = std::make_shared<std::promise<Call>>();
  std::future<Call> future = promise->get_future();
  log.OnDurable(lsn, [promise, &log](Status status) {
    promise->set_value(Call{.status = std::move(status),
                            .thread = std::this_thread::get_id(),
                            .durable_lsn = log.durable_lsn()});
  });
  return future;
}

bool IsReady(const std::future<Call>& future) {
  return future.wait_for(0s) == std::future_status::ready;
}

// Whether the frame of `lsn` is in the log's first segment file as it is on disk.
bool FrameIsInTheFile(const TempDir& dir, Lsn lsn) {
  const std::vector<std::byte> bytes = ReadFileBytes(SegmentFiles(dir.path() / "log").front());
  for (const auto& frame : Frames(bytes)) {
    if (frame.lsn == lsn) {
      return true;
    }
  }
  return false;
}

TEST(LogOnDurableTest, CallsInlineWhenTheLsnIsDurableAlready) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways));
  const auto payload = SegmentDeletePayload("a");
  Result<Lsn> lsn = log->Append(SegmentDeleteType(), payload);  // returns once durable
  ASSERT_TRUE(lsn.ok());
  std::future<Call> call = Register(*log, *lsn);
  ASSERT_TRUE(IsReady(call));  // before OnDurable returned
  const Call seen = call.get();
  EXPECT_TRUE(seen.status.ok()) << seen.status.ToString();
  EXPECT_EQ(seen.thread, std::this_thread::get_id());
}

TEST(LogOnDurableTest, CallsInlineWhenThePolicyDoesNotWait) {
  for (const SyncPolicy sync : {SyncPolicy::kNone, SyncPolicy::kInterval}) {
    TempDir dir;
    auto log = OpenOrDie(Options(dir, sync));
    const Lsn lsn = AppendNoWait(*log, "a");
    std::future<Call> call = Register(*log, lsn);
    ASSERT_TRUE(IsReady(call));
    const Call seen = call.get();
    EXPECT_TRUE(seen.status.ok()) << seen.status.ToString();
    EXPECT_EQ(seen.thread, std::this_thread::get_id());
    EXPECT_EQ(seen.durable_lsn, 0u);  // WaitDurable would not have waited either
  }
}

TEST(LogOnDurableTest, UnderAlwaysARegistrationStartsTheSyncAndIsCalledAfterIt) {
  TempDir dir;
  FaultInjectingFileSystem fs;  // bytes reach the file only when a sync covers them
  auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways, &fs));
  fs.SetSyncDelay(50ms);
  const Lsn lsn = AppendNoWait(*log, "a");
  // Nobody waits in WaitDurable: the registration alone must get the record synced.
  std::future<Call> call = Register(*log, lsn);
  EXPECT_FALSE(IsReady(call));
  ASSERT_EQ(call.wait_for(10s), std::future_status::ready);
  const Call seen = call.get();
  EXPECT_TRUE(seen.status.ok()) << seen.status.ToString();
  EXPECT_NE(seen.thread, std::this_thread::get_id());
  EXPECT_GE(seen.durable_lsn, lsn);
  EXPECT_TRUE(FrameIsInTheFile(dir, lsn));
}

TEST(LogOnDurableTest, ConcurrentRegistrationsAreEachCalledOnceInLsnOrderPerThread) {
  TempDir dir;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways));
  constexpr int kRegistrars = 6;
  constexpr int kRecordsPerThread = 300;
  // Per registering thread, the LSNs its callbacks were called with, in call order.
  std::mutex mu;
  std::vector<std::vector<Lsn>> called(kRegistrars);  // guarded by mu
  std::map<Lsn, int> calls;                           // guarded by mu: LSN -> times called
  std::atomic<int> failures{0};
  std::vector<std::vector<Lsn>> registered(kRegistrars);
  std::vector<std::thread> threads;
  for (int t = 0; t < kRegistrars; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRecordsPerThread; ++i) {
        const Lsn lsn = AppendNoWait(*log, Id("r", i));
        registered[t].push_back(lsn);
        log->OnDurable(lsn, [&, t, lsn](Status status) {
          if (!status.ok()) {
            ++failures;
          }
          std::lock_guard lock(mu);
          called[t].push_back(lsn);
          ++calls[lsn];
        });
      }
    });
  }
  // Blocking appenders share the rounds, and explicit syncs make some registrations durable
  // while earlier ones are still queued (those must not be called ahead of them).
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      const auto payload = SegmentDeletePayload(Id("w", t));
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(log->Append(SegmentDeleteType(), payload).ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(log->Sync().ok());
      std::this_thread::sleep_for(1ms);
    }
  });
  for (auto& thread : threads) {
    thread.join();
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  const auto all_called = [&] {
    std::lock_guard lock(mu);
    return calls.size() == static_cast<std::size_t>(kRegistrars * kRecordsPerThread);
  };
  while (!all_called() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(log->Close().ok());  // nothing may be called again by closing
  std::lock_guard lock(mu);
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kRegistrars * kRecordsPerThread));
  for (const auto& [lsn, times] : calls) {
    EXPECT_EQ(times, 1) << "LSN " << lsn;
  }
  for (int t = 0; t < kRegistrars; ++t) {
    EXPECT_EQ(called[t], registered[t]) << "thread " << t;  // appends ascend per thread
  }
}

TEST(LogOnDurableTest, CloseCallsEveryPendingCallbackOnceWithOkAfterSyncingThem) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways, &fs));
  fs.SetSyncDelay(20ms);
  std::vector<std::future<Call>> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(Register(*log, AppendNoWait(*log, Id("r", i))));
  }
  ASSERT_TRUE(log->Close().ok());
  for (auto& call : calls) {
    ASSERT_TRUE(IsReady(call));  // Close returns only after every callback ran
    EXPECT_TRUE(call.get().status.ok());
  }
  // After Close, a durable LSN is still reported durable, at once.
  std::future<Call> late = Register(*log, 50);
  ASSERT_TRUE(IsReady(late));
  EXPECT_TRUE(late.get().status.ok());
}

TEST(LogOnDurableTest, CallbacksPendingWhenASyncFailsGetTheStickyErrorOnceAndLaterOnesAtOnce) {
  TempDir dir;
  FaultInjectingFileSystem fs;
  auto log = OpenOrDie(Options(dir, SyncPolicy::kAlways, &fs));
  const int syncs_at_open = fs.Calls(Op::kSync);
  fs.SetSyncDelay(100ms);
  std::future<Call> first = Register(*log, AppendNoWait(*log, "first"));
  // Wait until the sync covering "first" is running, then queue records behind it whose
  // sync fails.
  while (fs.Calls(Op::kSync) == syncs_at_open) {
    std::this_thread::sleep_for(1ms);
  }
  fs.FailNth(Op::kSync, 1, EIO, /*sticky=*/true);
  std::vector<std::future<Call>> pending;
  for (int i = 0; i < 10; ++i) {
    pending.push_back(Register(*log, AppendNoWait(*log, Id("r", i))));
  }
  const Status closed = log->Close();
  EXPECT_EQ(closed.code(), Status::Code::kIoError) << closed.ToString();
  ASSERT_TRUE(IsReady(first));
  EXPECT_TRUE(first.get().status.ok());
  for (auto& call : pending) {
    ASSERT_TRUE(IsReady(call));
    EXPECT_EQ(call.get().status, closed);
  }
  std::future<Call> late = Register(*log, 2);
  ASSERT_TRUE(IsReady(late));
  EXPECT_EQ(late.get().status, closed);
}

}  // namespace
}  // namespace tally::log
