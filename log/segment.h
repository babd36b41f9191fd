// Segment: one preallocated, memory-mapped log file `<dir>/<seq:020>.tlog`.
//
// A Segment owns its file handle and its MAP_SHARED mapping of the whole file and releases both
// when destroyed; it is held by shared_ptr so that readers keep a mapping alive after the log
// moved on or deleted the file. The bytes are written by the log (frames, header) through
// data(); the Segment itself only knows the header layout.
//
// Thread safety: the accessors are immutable after construction except first_lsn (set once by
// WriteHeader, under the log's reservation lock, before any frame of the segment is reserved),
// sealed_bytes (set once at rollover) and the durable hint, all atomic. Sync, Prefault and
// WriteBack may run concurrently with writers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "log/file_system.h"
#include "log/log.h"
#include "log/record_format.h"
#include "log/result.h"
#include "log/status.h"

namespace tally::log {

// "00000000000000000042.tlog" for seq 42.
std::string SegmentFileName(std::uint64_t seq);
// The seq of a segment file name, or nullopt when `name` is not one.
std::optional<std::uint64_t> ParseSegmentFileName(std::string_view name);

// The pages a log's segments are mapped with: huge pages (the first touch of a page is the
// main cost of an append on a virtual machine) unless the log syncs after every group of
// appends (kAlways), where msync would write back a whole 2 MiB folio each time.
MapPages SegmentMapPages(SyncPolicy sync);

class Segment {
 public:
  // Creates the file at `path` (it must not exist), reserves `capacity_bytes` of disk with
  // Allocate, makes file and directory entry durable, and maps it. The header stays zero until
  // WriteHeader. Errors: kNoSpace when the disk is full (the partial file is removed),
  // kIoError otherwise.
  static Result<std::shared_ptr<Segment>> Create(FileSystem* fs, const std::filesystem::path& path,
                                                 std::uint64_t seq, std::uint64_t capacity_bytes,
                                                 MapPages pages);

  // Maps an existing file whose size is at least `capacity_bytes`.
  static Result<std::shared_ptr<Segment>> OpenExisting(FileSystem* fs,
                                                       const std::filesystem::path& path,
                                                       std::uint64_t seq,
                                                       std::uint64_t capacity_bytes,
                                                       MapPages pages);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  std::uint64_t seq() const { return seq_; }
  std::uint64_t capacity_bytes() const { return capacity_bytes_; }
  const std::filesystem::path& path() const { return path_; }
  std::string name() const { return path_.filename().string(); }
  std::byte* data() const { return base_; }
  FileHandle file() const { return file_; }

  Lsn first_lsn() const { return first_lsn_.load(std::memory_order_acquire); }
  // Writes the segment header naming `first_lsn`, the LSN of the first frame to come.
  void WriteHeader(Lsn first_lsn);
  // Records a header read back during recovery.
  void SetFirstLsn(Lsn first_lsn) { first_lsn_.store(first_lsn, std::memory_order_release); }

  // Records that no frame will be reserved past `end` (the log rolled to the next segment);
  // sealed_bytes() is 0 while the segment is still the active one.
  void Seal(std::uint64_t end) { sealed_bytes_.store(end, std::memory_order_release); }
  std::uint64_t sealed_bytes() const { return sealed_bytes_.load(std::memory_order_acquire); }

  // The durable-LSN hint in the header: every LSN at or below it was durable when it was
  // written (docs/log-format.md, "Recovery").
  void StoreDurableHint(Lsn lsn);
  Lsn LoadDurableHint() const;

  // msync of [offset, offset + bytes).
  Status Sync(std::uint64_t offset, std::uint64_t bytes) const;
  Status Prefault(std::uint64_t offset, std::uint64_t bytes) const;
  // Early write-back of [offset, offset + bytes) (FileSystem::WriteBack); makes nothing durable.
  Status WriteBack(std::uint64_t offset, std::uint64_t bytes) const;

 private:
  Segment(FileSystem* fs, std::filesystem::path path, std::uint64_t seq,
          std::uint64_t capacity_bytes, FileHandle file, std::byte* base);

  FileSystem* const fs_;
  const std::filesystem::path path_;
  const std::uint64_t seq_;
  const std::uint64_t capacity_bytes_;
  const FileHandle file_;
  std::byte* const base_;
  std::atomic<Lsn> first_lsn_{0};
  std::atomic<std::uint64_t> sealed_bytes_{0};
};

}  // namespace tally::log
