// FaultInjectingFileSystem: a FileSystem for tests that simulates what a crash keeps, and
// fails chosen operations.
//
// Files are real files under the test's directory, but a mapping is private memory loaded from
// the file: bytes written into it reach the file only when SyncRange covers them. So the file
// contents are at every moment exactly what a machine crash would leave behind. Crash() makes
// every later mutating operation fail (as if the process had died), so nothing written after
// it reaches the files. FailNth makes the n-th later call of one operation kind fail with a
// chosen errno, and optionally every call after it too (a full disk stays full).
//
// Thread safety: all methods may be called concurrently; mu_ guards the counters and faults.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

#include "log/file_system.h"
#include "log/posix_file_system.h"

namespace tally::log::testing {

class FaultInjectingFileSystem final : public FileSystem {
 public:
  // kSync: SyncRange (msync of data); kSyncMetadata: SyncFile and SyncDir; kWriteBack:
  // WriteBack, which reaches no file here (early write-back makes nothing durable, and a
  // crash may keep it or not: this file system keeps what was synced only).
  enum class Op { kAllocate, kSync, kSyncMetadata, kWriteBack, kMap, kRename, kRemove };

  // The `n`-th call (1-based, counted from now) of `op` fails with `error_number`; with
  // `sticky`, every call after it fails too.
  void FailNth(Op op, int n, int error_number, bool sticky);
  // From now on every sync, allocation, rename, removal and file creation fails with EIO.
  void Crash();
  // How many times `op` was called.
  int Calls(Op op) const;
  // How many mappings asked for `pages`.
  int Maps(MapPages pages) const;
  // Every later SyncRange takes at least `delay` (a slow disk).
  void SetSyncDelay(std::chrono::milliseconds delay);

  Status CreateDir(const std::filesystem::path& dir) override;
  Result<std::vector<std::string>> ListDir(const std::filesystem::path& dir) override;
  Status SyncDir(const std::filesystem::path& dir) override;
  Result<FileHandle> Open(const std::filesystem::path& path, bool create) override;
  Status Close(FileHandle file) override;
  Result<std::uint64_t> FileSize(FileHandle file) override;
  Result<std::size_t> ReadAt(FileHandle file, std::uint64_t offset,
                             std::span<std::byte> out) override;
  Status Allocate(FileHandle file, std::uint64_t bytes) override;
  Status Truncate(FileHandle file, std::uint64_t bytes) override;
  Status SyncFile(FileHandle file) override;
  Result<std::byte*> Map(FileHandle file, std::uint64_t bytes, MapPages pages) override;
  Status Unmap(std::byte* base, std::uint64_t bytes) override;
  Status SyncRange(FileHandle file, std::byte* base, std::uint64_t offset,
                   std::uint64_t bytes) override;
  Status Prefault(std::byte* base, std::uint64_t offset, std::uint64_t bytes) override;
  Status WriteBack(FileHandle file, std::uint64_t offset, std::uint64_t bytes) override;
  Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status Remove(const std::filesystem::path& path) override;

 private:
  struct Fault {
    int countdown = 0;  // fails when it reaches zero
    int error_number = 0;
    bool sticky = false;
  };
  // Counts a call of `op` and returns the error to report, or ok.
  Status Check(Op op);

  PosixFileSystem real_;
  mutable std::mutex mu_;
  std::map<Op, int> calls_;                  // guarded by mu_
  std::map<Op, Fault> faults_;               // guarded by mu_
  std::map<MapPages, int> maps_;             // guarded by mu_
  std::chrono::milliseconds sync_delay_{0};  // guarded by mu_
  bool crashed_ = false;                     // guarded by mu_
};

}  // namespace tally::log::testing
