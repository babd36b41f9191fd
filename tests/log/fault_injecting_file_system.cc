#include "tests/log/fault_injecting_file_system.h"

#include <cerrno>
#include <string>
#include <thread>

#include <sys/mman.h>
#include <unistd.h>

#include "log/record_format.h"

namespace tally::log::testing {

void FaultInjectingFileSystem::FailNth(Op op, int n, int error_number, bool sticky) {
  std::lock_guard lock(mu_);
  faults_[op] = Fault{.countdown = n, .error_number = error_number, .sticky = sticky};
}

void FaultInjectingFileSystem::Crash() {
  std::lock_guard lock(mu_);
  crashed_ = true;
}

int FaultInjectingFileSystem::Calls(Op op) const {
  std::lock_guard lock(mu_);
  const auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

Status FaultInjectingFileSystem::Check(Op op) {
  std::lock_guard lock(mu_);
  ++calls_[op];
  if (crashed_) {
    return Status::FromErrno(EIO, "injected crash");
  }
  auto it = faults_.find(op);
  if (it == faults_.end()) {
    return Status::Ok();
  }
  Fault& fault = it->second;
  if (fault.countdown > 0) {
    --fault.countdown;
  }
  if (fault.countdown == 0) {
    const Status status = Status::FromErrno(fault.error_number, "injected fault");
    if (!fault.sticky) {
      faults_.erase(it);
    }
    return status;
  }
  return Status::Ok();
}

Status FaultInjectingFileSystem::CreateDir(const std::filesystem::path& dir) {
  return real_.CreateDir(dir);
}

Result<std::vector<std::string>> FaultInjectingFileSystem::ListDir(
    const std::filesystem::path& dir) {
  return real_.ListDir(dir);
}

Status FaultInjectingFileSystem::SyncDir(const std::filesystem::path& /*dir*/) {
  // Directory entries change only through Open/Rename/Remove, which this file system applies
  // to the real directory at once; there is nothing more to make durable.
  return Check(Op::kSyncMetadata);
}

Result<FileHandle> FaultInjectingFileSystem::Open(const std::filesystem::path& path, bool create) {
  if (create) {
    std::lock_guard lock(mu_);
    if (crashed_) {
      return Status::FromErrno(EIO, "injected crash");
    }
  }
  return real_.Open(path, create);
}

Status FaultInjectingFileSystem::Close(FileHandle file) {
  return real_.Close(file);
}

Result<std::uint64_t> FaultInjectingFileSystem::FileSize(FileHandle file) {
  return real_.FileSize(file);
}

Result<std::size_t> FaultInjectingFileSystem::ReadAt(FileHandle file, std::uint64_t offset,
                                                     std::span<std::byte> out) {
  return real_.ReadAt(file, offset, out);
}

Status FaultInjectingFileSystem::Allocate(FileHandle file, std::uint64_t bytes) {
  TALLY_RETURN_IF_ERROR(Check(Op::kAllocate));
  return real_.Allocate(file, bytes);
}

Status FaultInjectingFileSystem::Truncate(FileHandle file, std::uint64_t bytes) {
  {
    std::lock_guard lock(mu_);
    if (crashed_) {
      return Status::FromErrno(EIO, "injected crash");
    }
  }
  return real_.Truncate(file, bytes);
}

Status FaultInjectingFileSystem::SyncFile(FileHandle /*file*/) {
  // Allocate and ReadAt act on the real file directly, so only the fault matters here.
  return Check(Op::kSyncMetadata);
}

int FaultInjectingFileSystem::Maps(MapPages pages) const {
  std::lock_guard lock(mu_);
  const auto it = maps_.find(pages);
  return it == maps_.end() ? 0 : it->second;
}

// The copy lives in anonymous memory, where the page size does not change what tests observe;
// the request is only counted.
Result<std::byte*> FaultInjectingFileSystem::Map(FileHandle file, std::uint64_t bytes,
                                                 MapPages pages) {
  TALLY_RETURN_IF_ERROR(Check(Op::kMap));
  {
    std::lock_guard lock(mu_);
    ++maps_[pages];
  }
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    return Status::FromErrno(errno, "mmap anonymous");
  }
  auto* bytes_base = static_cast<std::byte*>(base);
  Result<std::size_t> read = real_.ReadAt(file, 0, std::span<std::byte>(bytes_base, bytes));
  if (!read.ok()) {
    ::munmap(base, bytes);
    return read.status();
  }
  return bytes_base;
}

Status FaultInjectingFileSystem::Unmap(std::byte* base, std::uint64_t bytes) {
  if (::munmap(base, bytes) != 0) {
    return Status::FromErrno(errno, "munmap");
  }
  return Status::Ok();
}

void FaultInjectingFileSystem::SetSyncDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  sync_delay_ = delay;
}

Status FaultInjectingFileSystem::SyncRange(FileHandle file, std::byte* base, std::uint64_t offset,
                                           std::uint64_t bytes) {
  TALLY_RETURN_IF_ERROR(Check(Op::kSync));
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    delay = sync_delay_;
  }
  std::this_thread::sleep_for(delay);
  const std::uint64_t start = offset / kPageBytes * kPageBytes;
  const std::uint64_t end = offset + bytes;
  std::uint64_t done = start;
  while (done < end) {
    const ssize_t n = ::pwrite(file, base + done, end - done, static_cast<off_t>(done));
    if (n < 0) {
      return Status::FromErrno(errno, "pwrite");
    }
    done += static_cast<std::uint64_t>(n);
  }
  return Status::Ok();
}

Status FaultInjectingFileSystem::Prefault(std::byte* /*base*/, std::uint64_t /*offset*/,
                                          std::uint64_t /*bytes*/) {
  return Status::Ok();
}

Status FaultInjectingFileSystem::WriteBack(FileHandle /*file*/, std::uint64_t /*offset*/,
                                           std::uint64_t /*bytes*/) {
  return Check(Op::kWriteBack);
}

Status FaultInjectingFileSystem::Rename(const std::filesystem::path& from,
                                        const std::filesystem::path& to) {
  TALLY_RETURN_IF_ERROR(Check(Op::kRename));
  return real_.Rename(from, to);
}

Status FaultInjectingFileSystem::Remove(const std::filesystem::path& path) {
  TALLY_RETURN_IF_ERROR(Check(Op::kRemove));
  return real_.Remove(path);
}

}  // namespace tally::log::testing
