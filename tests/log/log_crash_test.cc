// Crash test: a child process appends under SyncPolicy::kAlways from several threads and
// reports every LSN Append acknowledged to the parent through a pipe; the parent SIGKILLs it
// mid-load, reopens the log and checks that every acknowledged record is there, intact.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace tally::log {
namespace {

using testing::PairId;
using testing::ReadAll;
using testing::SegmentDeletePayload;
using testing::SegmentDeleteType;
using testing::TempDir;

constexpr int kChildThreads = 4;
constexpr std::size_t kReportsBeforeKill = 3000;

// One acknowledgement, written to the pipe in one write() (atomic: smaller than PIPE_BUF).
struct Ack {
  std::uint64_t lsn;
  std::uint32_t thread;
  std::uint32_t counter;
};

LogOptions Options(const std::filesystem::path& dir) {
  LogOptions options;
  options.dir = dir;
  options.segment_bytes = 64 * 1024;
  options.sync = SyncPolicy::kAlways;
  return options;
}

// Runs in the forked child until it is killed; never returns.
[[noreturn]] void RunChild(const std::filesystem::path& dir, int report_fd) {
  auto log = Log::Open(Options(dir));
  if (!log.ok()) {
    _exit(2);
  }
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint32_t i = 0;; ++i) {
        const auto payload = SegmentDeletePayload(PairId(static_cast<int>(t), static_cast<int>(i)),
                                                  (i * 37 + t) % 500);
        Result<Lsn> lsn = (*log)->Append(SegmentDeleteType(), payload);
        if (!lsn.ok()) {
          _exit(3);
        }
        const Ack ack{*lsn, t, i};
        if (::write(report_fd, &ack, sizeof(ack)) != static_cast<ssize_t>(sizeof(ack))) {
          _exit(4);
        }
      }
    });
  }
  for (;;) {
    ::pause();
  }
}

TEST(LogCrashTest, EveryLsnReportedDurableBeforeSigkillIsPresentAndIntact) {
  TempDir dir;
  const auto log_dir = dir.path() / "log";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    RunChild(log_dir, fds[1]);
  }
  ::close(fds[1]);
  std::vector<Ack> acks;
  Ack ack;
  bool killed = false;
  while (::read(fds[0], &ack, sizeof(ack)) == static_cast<ssize_t>(sizeof(ack))) {
    acks.push_back(ack);
    if (!killed && acks.size() >= kReportsBeforeKill) {
      ASSERT_EQ(::kill(child, SIGKILL), 0);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_GE(acks.size(), kReportsBeforeKill);

  auto log = Log::Open(Options(log_dir));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const auto read = ReadAll(**log);
  ASSERT_TRUE(read.status.ok()) << read.status.ToString();
  // Gap-free from 1, and every acknowledged LSN holds what the child appended under it.
  for (std::size_t i = 0; i < read.lsns.size(); ++i) {
    ASSERT_EQ(read.lsns[i], i + 1);
  }
  for (const Ack& a : acks) {
    ASSERT_LE(a.lsn, read.lsns.size()) << "acknowledged LSN " << a.lsn << " is missing";
    EXPECT_EQ(read.ids[a.lsn - 1], PairId(static_cast<int>(a.thread), static_cast<int>(a.counter)));
  }
}

}  // namespace
}  // namespace tally::log
