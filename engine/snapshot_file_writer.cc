#include "engine/snapshot_file_writer.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include <sys/uio.h>
#include <unistd.h>

#include "engine/snapshot_header_block.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

constexpr std::array<std::uint8_t, kSnapshotChunkAlign> kZeros{};

std::uint64_t BodySeed(SnapshotChunkKind kind, std::size_t bytes) {
  return static_cast<std::uint64_t>(kind) << 32 | bytes;
}

}  // namespace

SnapshotFileWriter::SnapshotFileWriter(int fd)
    : fd_(fd), offset_(kSnapshotHeaderBlockBytes), hash_(XXH3_createState()) {
  TALLY_ASSERT(fd_ >= 0 && hash_ != nullptr);
  XXH3_64bits_reset(hash_);
}

SnapshotFileWriter::~SnapshotFileWriter() {
  XXH3_freeState(hash_);
}

Status SnapshotFileWriter::WriteAt(std::uint64_t offset, std::span<const ::iovec> parts) {
  std::vector<::iovec> rest(parts.begin(), parts.end());
  std::size_t first = 0;
  while (first < rest.size()) {
    const ssize_t n = ::pwritev(fd_, rest.data() + first, static_cast<int>(rest.size() - first),
                                static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "writing the snapshot");
    }
    offset += static_cast<std::uint64_t>(n);
    // A short write: skip what went out and retry the remainder.
    for (auto left = static_cast<std::size_t>(n); left > 0 && first < rest.size();) {
      if (left >= rest[first].iov_len) {
        left -= rest[first].iov_len;
        ++first;
      } else {
        rest[first].iov_base = static_cast<char*>(rest[first].iov_base) + left;
        rest[first].iov_len -= left;
        left = 0;
      }
    }
    while (first < rest.size() && rest[first].iov_len == 0) ++first;
  }
  return Status::Ok();
}

Status SnapshotFileWriter::AppendChunk(SnapshotChunkKind kind, std::span<const std::uint8_t> body) {
  TALLY_ASSERT(!finished_ && offset_ % kSnapshotChunkAlign == 0);
  if (body.size() > kSnapshotChunkBytesMax) {
    return Status::Internal("snapshot chunk of " + std::to_string(body.size()) +
                            " bytes exceeds the maximum");
  }
  std::array<std::uint8_t, kSnapshotFrameBytes> frame{};
  const auto bytes = static_cast<std::uint32_t>(body.size());
  const auto kind_value = static_cast<std::uint32_t>(kind);
  const std::uint64_t hash = XXH3_64bits_withSeed(body.data(), body.size(), BodySeed(kind, bytes));
  std::memcpy(frame.data(), &bytes, 4);
  std::memcpy(frame.data() + 4, &kind_value, 4);
  std::memcpy(frame.data() + 8, &hash, 8);
  const std::size_t padding = SnapshotPaddedBytes(body.size()) - body.size();
  const std::array<::iovec, 3> parts = {{
      {frame.data(), frame.size()},
      {const_cast<std::uint8_t*>(body.data()), body.size()},
      {const_cast<std::uint8_t*>(kZeros.data()), padding},
  }};
  TALLY_RETURN_IF_ERROR(WriteAt(offset_, parts));
  for (const ::iovec& part : parts) XXH3_64bits_update(hash_, part.iov_base, part.iov_len);
  offset_ += frame.size() + body.size() + padding;
  return Status::Ok();
}

Status SnapshotFileWriter::Finish(SnapshotHeader& header) {
  TALLY_ASSERT(!finished_);
  finished_ = true;
  header.format_version = kSnapshotFormatVersion;
  header.content_bytes = offset_ - kSnapshotHeaderBlockBytes;
  header.content_hash = XXH3_64bits_digest(hash_);
  header.file_bytes = offset_;
  std::vector<std::uint8_t> block = EncodeSnapshotHeaderBlock(header);
  const std::array<::iovec, 1> parts = {{{block.data(), block.size()}}};
  TALLY_RETURN_IF_ERROR(WriteAt(0, parts));
  // The file may have been longer (a replaced snapshot); cut it to what was written.
  if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
    return Status::FromErrno(errno, "truncating the snapshot");
  }
  if (::fsync(fd_) != 0) return Status::FromErrno(errno, "syncing the snapshot");
  return Status::Ok();
}

}  // namespace tally::engine
