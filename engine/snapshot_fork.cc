#include "engine/snapshot_fork.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/assert.h"

namespace tally::engine {
namespace {

// Messages on the pipe: a tag byte, then a fixed payload (progress, header) or a code byte,
// a length and the error text.
constexpr char kProgressTag = 'P';
constexpr char kHeaderTag = 'H';
constexpr char kErrorTag = 'E';
static_assert(std::is_trivially_copyable_v<SnapshotHeader>);

// Writes everything or gives up (the parent is gone).
void WriteAll(int fd, const void* data, std::size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

// Reads exactly `bytes`; false at end of file or on an error.
bool ReadAll(int fd, void* data, std::size_t bytes) {
  char* p = static_cast<char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::read(fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] void RunChild(int fd, pid_t parent, const SnapshotChildWork& work) {
  // A killed server must never leave a writer behind; the check after prctl catches a parent
  // that died before it took effect.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  const SnapshotBytesWritten progress = [fd](std::uint64_t bytes) {
    char message[1 + sizeof(bytes)];
    message[0] = kProgressTag;
    std::memcpy(message + 1, &bytes, sizeof(bytes));
    WriteAll(fd, message, sizeof(message));
  };
  const Result<SnapshotHeader> result = work(progress);
  if (result.ok()) {
    char message[1 + sizeof(SnapshotHeader)];
    message[0] = kHeaderTag;
    std::memcpy(message + 1, &*result, sizeof(SnapshotHeader));
    WriteAll(fd, message, sizeof(message));
  } else {
    const std::string_view text = result.status().message();
    const auto code = static_cast<std::uint8_t>(result.status().code());
    const auto length = static_cast<std::uint32_t>(text.size());
    WriteAll(fd, &kErrorTag, 1);
    WriteAll(fd, &code, 1);
    WriteAll(fd, &length, sizeof(length));
    WriteAll(fd, text.data(), text.size());
  }
  ::close(fd);
  ::_exit(0);
}

Status ChildStatus(std::uint8_t code, const std::string& text) {
  switch (static_cast<Status::Code>(code)) {
    case Status::Code::kNoSpace: return Status::NoSpace(text);
    case Status::Code::kIoError: return Status::IoError(text);
    default: return Status::Internal(text);
  }
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

}  // namespace

Result<SnapshotHeader> RunSnapshotChild(const SnapshotChildWork& work,
                                        const std::function<void()>& after_fork,
                                        const SnapshotBytesWritten& progress) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    after_fork();
    return Status::FromErrno(errno, "creating the snapshot pipe");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    RunChild(fds[1], parent, work);
  }
  after_fork();
  ::close(fds[1]);
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    return Status::Internal("fork for the snapshot failed: " + std::string(std::strerror(error)));
  }
  std::optional<Result<SnapshotHeader>> outcome;
  for (char tag = 0; ReadAll(fds[0], &tag, 1);) {
    if (tag == kProgressTag) {
      std::uint64_t bytes = 0;
      if (!ReadAll(fds[0], &bytes, sizeof(bytes))) break;
      if (progress) progress(bytes);
    } else if (tag == kHeaderTag) {
      SnapshotHeader header;
      if (!ReadAll(fds[0], &header, sizeof(header))) break;
      outcome.emplace(header);
    } else if (tag == kErrorTag) {
      std::uint8_t code = 0;
      std::uint32_t length = 0;
      if (!ReadAll(fds[0], &code, 1) || !ReadAll(fds[0], &length, sizeof(length))) break;
      std::string text(length, '\0');
      if (!ReadAll(fds[0], text.data(), length)) break;
      outcome.emplace(ChildStatus(code, text));
    } else {
      break;
    }
  }
  ::close(fds[0]);
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    TALLY_ASSERT_MSG(errno == EINTR, "waitpid on the snapshot child failed");
  }
  if (!outcome) {
    return Status::Internal("snapshot child process " + DescribeExit(wait_status) +
                            " without reporting an outcome");
  }
  return *std::move(outcome);
}

}  // namespace tally::engine
