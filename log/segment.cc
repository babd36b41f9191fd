#include "log/segment.h"

#include <atomic>
#include <charconv>
#include <cstdio>
#include <utility>

#include "log/assert.h"

namespace tally::log {

namespace {

constexpr std::string_view kSegmentSuffix = ".tlog";
constexpr std::size_t kSeqDigits = 20;

std::atomic_ref<std::uint64_t> HintRef(std::byte* base) {
  static_assert(kSegmentHeaderDurableHintOffset % alignof(std::uint64_t) == 0);
  return std::atomic_ref<std::uint64_t>(
      *reinterpret_cast<std::uint64_t*>(base + kSegmentHeaderDurableHintOffset));
}

}  // namespace

std::string SegmentFileName(std::uint64_t seq) {
  char name[kSeqDigits + kSegmentSuffix.size() + 1];
  std::snprintf(name, sizeof(name), "%020llu.tlog", static_cast<unsigned long long>(seq));
  return name;
}

std::optional<std::uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kSeqDigits + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  const char* end = name.data() + kSeqDigits;
  const auto [ptr, error] = std::from_chars(name.data(), end, seq);
  if (error != std::errc() || ptr != end || seq == 0) {
    return std::nullopt;
  }
  return seq;
}

MapPages SegmentMapPages(SyncPolicy sync) {
  return sync == SyncPolicy::kAlways ? MapPages::kSmall : MapPages::kHuge;
}

Segment::Segment(FileSystem* fs, std::filesystem::path path, std::uint64_t seq,
                 std::uint64_t capacity_bytes, FileHandle file, std::byte* base)
    : fs_(fs),
      path_(std::move(path)),
      seq_(seq),
      capacity_bytes_(capacity_bytes),
      file_(file),
      base_(base) {}

Segment::~Segment() {
  // Nothing can be done about a failed munmap/close of a file the log no longer needs; the
  // data was synced (or deliberately left unsynced) before the last reference went away.
  (void)fs_->Unmap(base_, capacity_bytes_);
  (void)fs_->Close(file_);
}

Result<std::shared_ptr<Segment>> Segment::Create(FileSystem* fs, const std::filesystem::path& path,
                                                 std::uint64_t seq, std::uint64_t capacity_bytes,
                                                 MapPages pages) {
  TALLY_ASSERT(capacity_bytes % kPageBytes == 0 && capacity_bytes >= kSegmentBytesMin);
  TALLY_ASSIGN_OR_RETURN(const FileHandle file, fs->Open(path, /*create=*/true));
  // Undo a half-made file so that a retry after freeing disk space starts clean.
  auto fail = [&](const Status& status) -> Status {
    (void)fs->Close(file);
    (void)fs->Remove(path);
    return status.WithContext("create segment " + path.string());
  };
  if (Status s = fs->Allocate(file, capacity_bytes); !s.ok()) {
    return fail(s);
  }
  // The allocation (file size, extents) and the directory entry are made durable here, off
  // the append path, so that a later msync of data has only data to write.
  if (Status s = fs->SyncFile(file); !s.ok()) {
    return fail(s);
  }
  if (Status s = fs->SyncDir(path.parent_path()); !s.ok()) {
    return fail(s);
  }
  Result<std::byte*> base = fs->Map(file, capacity_bytes, pages);
  if (!base.ok()) {
    return fail(base.status());
  }
  return std::shared_ptr<Segment>(new Segment(fs, path, seq, capacity_bytes, file, *base));
}

Result<std::shared_ptr<Segment>> Segment::OpenExisting(FileSystem* fs,
                                                       const std::filesystem::path& path,
                                                       std::uint64_t seq,
                                                       std::uint64_t capacity_bytes,
                                                       MapPages pages) {
  TALLY_ASSIGN_OR_RETURN(const FileHandle file, fs->Open(path, /*create=*/false));
  Result<std::byte*> base = fs->Map(file, capacity_bytes, pages);
  if (!base.ok()) {
    (void)fs->Close(file);
    return base.status().WithContext("map segment " + path.string());
  }
  return std::shared_ptr<Segment>(new Segment(fs, path, seq, capacity_bytes, file, *base));
}

void Segment::WriteHeader(Lsn first_lsn) {
  TALLY_ASSERT(first_lsn >= 1);
  EncodeSegmentHeader(
      SegmentHeader{.seq = seq_, .first_lsn = first_lsn, .capacity_bytes = capacity_bytes_},
      std::span<std::byte, kSegmentHeaderBytes>(base_, kSegmentHeaderBytes));
  first_lsn_.store(first_lsn, std::memory_order_release);
}

void Segment::StoreDurableHint(Lsn lsn) {
  HintRef(base_).store(lsn, std::memory_order_relaxed);
}

Lsn Segment::LoadDurableHint() const {
  return HintRef(base_).load(std::memory_order_relaxed);
}

Status Segment::Sync(std::uint64_t offset, std::uint64_t bytes) const {
  TALLY_ASSERT(offset + bytes <= capacity_bytes_);
  return fs_->SyncRange(file_, base_, offset, bytes);
}

Status Segment::Prefault(std::uint64_t offset, std::uint64_t bytes) const {
  TALLY_ASSERT(offset + bytes <= capacity_bytes_);
  return fs_->Prefault(base_, offset, bytes);
}

Status Segment::WriteBack(std::uint64_t offset, std::uint64_t bytes) const {
  TALLY_ASSERT(offset + bytes <= capacity_bytes_);
  return fs_->WriteBack(file_, offset, bytes);
}

}  // namespace tally::log
