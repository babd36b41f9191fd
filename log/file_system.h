// FileSystem: the seam through which the log performs every file operation, so tests can put a
// fault-injecting implementation (tests/log/fault_injecting_file_system.h) in its place.
//
// Files are named by integer handles (file descriptors in PosixFileSystem). Mappings are always
// MAP_SHARED views of a whole file prefix starting at offset 0; writes to a mapping reach the
// file only as far as the implementation's Sync* calls promise.
//
// Thread safety: implementations must allow concurrent calls on different handles, and
// concurrent SyncRange/Prefault on one mapping while other threads write into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "log/result.h"
#include "log/status.h"

namespace tally::log {

using FileHandle = int;

// The pages a mapping asks for. kHuge advises the kernel (MADV_HUGEPAGE) to back it with 2 MiB
// page-cache folios, each mapped by one page-table entry. On a virtual machine the first touch
// of every 4 KiB page costs microseconds even when it is populated, which kHuge removes; but
// the kernel then tracks dirtiness per 2 MiB folio, so every msync writes whole folios, which
// only suits mappings that are synced rarely.
enum class MapPages { kSmall, kHuge };

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Status CreateDir(const std::filesystem::path& dir) = 0;
  // File names (not paths) of the directory's regular files, in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::filesystem::path& dir) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::filesystem::path& dir) = 0;

  // Opens a file for reading and writing; `create` makes a new file and fails if one exists.
  virtual Result<FileHandle> Open(const std::filesystem::path& path, bool create) = 0;
  virtual Status Close(FileHandle file) = 0;
  virtual Result<std::uint64_t> FileSize(FileHandle file) = 0;
  // Reads up to out.size() bytes at `offset` (pread); returns how many were read (short at EOF).
  virtual Result<std::size_t> ReadAt(FileHandle file, std::uint64_t offset,
                                     std::span<std::byte> out) = 0;
  // Reserves disk blocks for [0, bytes) (posix_fallocate), growing the file if needed. ENOSPC
  // comes back as kNoSpace; once it succeeds, writes through a mapping of that range cannot
  // fail for lack of space.
  virtual Status Allocate(FileHandle file, std::uint64_t bytes) = 0;
  virtual Status Truncate(FileHandle file, std::uint64_t bytes) = 0;
  // Makes the file's data and size durable (fdatasync).
  virtual Status SyncFile(FileHandle file) = 0;

  // Maps [0, bytes) of the file; the file must be at least that long. Unmap releases it.
  // `pages` is advice: an implementation may ignore it.
  virtual Result<std::byte*> Map(FileHandle file, std::uint64_t bytes, MapPages pages) = 0;
  virtual Status Unmap(std::byte* base, std::uint64_t bytes) = 0;
  // Makes [offset, offset + bytes) of a mapping durable (msync MS_SYNC); `offset` may be any
  // value, implementations round it down to a page.
  virtual Status SyncRange(FileHandle file, std::byte* base, std::uint64_t offset,
                           std::uint64_t bytes) = 0;
  // Faults [offset, offset + bytes) of a mapping in, writable, without changing any byte
  // (madvise MADV_POPULATE_WRITE), so that later writes take no page fault.
  virtual Status Prefault(std::byte* base, std::uint64_t offset, std::uint64_t bytes) = 0;
  // Writes the file's dirty pages in [offset, offset + bytes) to the disk and waits for them
  // (sync_file_range), changing no byte. It makes nothing durable (no cache flush, no metadata
  // sync): it is only early write-back. Its use: after Allocate, the blocks of ext4 (and XFS)
  // are "unwritten" extents, and the first sync that writes into one also converts it, a
  // metadata change that sync must also make durable (a write of the inode, or a journal
  // commit); pages written back ahead of the data have their extents converted off the sync
  // path.
  virtual Status WriteBack(FileHandle file, std::uint64_t offset, std::uint64_t bytes) = 0;

  virtual Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  virtual Status Remove(const std::filesystem::path& path) = 0;
};

// The process-wide real file system (POSIX calls); never null, lives forever.
FileSystem* DefaultFileSystem();

}  // namespace tally::log
