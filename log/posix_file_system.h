// PosixFileSystem: FileSystem over POSIX calls (open, posix_fallocate, mmap, msync, madvise)
// and Linux's sync_file_range.
//
// Stateless; every method may be called from any thread at any time. Not final: the log
// benchmarks replace SyncRange to measure group commit without the disk.
#pragma once

#include "log/file_system.h"

namespace tally::log {

class PosixFileSystem : public FileSystem {
 public:
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
};

}  // namespace tally::log
