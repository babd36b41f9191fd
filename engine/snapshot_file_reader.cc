#include "engine/snapshot_file_reader.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/snapshot_header_block.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

Status At(std::uint64_t offset, const std::string& what) {
  return Status::Corruption("offset " + std::to_string(offset) + ": " + what);
}

// Closes the descriptor when the scope ends.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Result<int> OpenForReading(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("snapshot " + file.string() + " does not exist");
    return Status::FromErrno(errno, "opening snapshot " + file.string());
  }
  return fd;
}

Result<std::uint64_t> FileBytes(int fd, const std::filesystem::path& file) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "stat of " + file.string());
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

Result<SnapshotHeader> ReadSnapshotHeaderOf(int fd, const std::filesystem::path& file,
                                            std::uint64_t file_bytes) {
  if (file_bytes < kSnapshotHeaderBlockBytes) {
    return Status::Corruption("snapshot " + file.string() + " is " + std::to_string(file_bytes) +
                              " bytes, shorter than its header block");
  }
  std::vector<std::uint8_t> block(kSnapshotHeaderBlockBytes);
  std::size_t done = 0;
  while (done < block.size()) {
    const ssize_t n =
        ::pread(fd, block.data() + done, block.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "reading snapshot " + file.string());
    if (n == 0) return Status::Corruption("snapshot " + file.string() + " ends in its header");
    done += static_cast<std::size_t>(n);
  }
  TALLY_ASSIGN_OR_RETURN(SnapshotHeader header, DecodeSnapshotHeaderBlock(block));
  if (header.file_bytes != file_bytes) {
    return Status::Corruption("snapshot " + file.string() + " is " + std::to_string(file_bytes) +
                              " bytes; its header says " + std::to_string(header.file_bytes));
  }
  return header;
}

Result<SnapshotHeader> ReadSnapshotHeader(const std::filesystem::path& file) {
  TALLY_ASSIGN_OR_RETURN(const int fd, OpenForReading(file));
  const FdCloser closer{fd};
  TALLY_ASSIGN_OR_RETURN(const std::uint64_t bytes, FileBytes(fd, file));
  return ReadSnapshotHeaderOf(fd, file, bytes);
}

Result<std::unique_ptr<SnapshotFileReader>> SnapshotFileReader::Open(
    const std::filesystem::path& file) {
  TALLY_ASSIGN_OR_RETURN(const int fd, OpenForReading(file));
  const FdCloser closer{fd};
  TALLY_ASSIGN_OR_RETURN(const std::uint64_t bytes, FileBytes(fd, file));
  TALLY_ASSIGN_OR_RETURN(SnapshotHeader header, ReadSnapshotHeaderOf(fd, file, bytes));
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) return Status::FromErrno(errno, "mapping snapshot " + file.string());
  return std::unique_ptr<SnapshotFileReader>(
      new SnapshotFileReader(static_cast<const std::uint8_t*>(map), bytes, header));
}

SnapshotFileReader::SnapshotFileReader(const std::uint8_t* data, std::uint64_t bytes,
                                       SnapshotHeader header)
    : data_(data), bytes_(bytes), header_(header) {
  TALLY_ASSERT(bytes_ == header_.file_bytes && bytes_ >= kSnapshotHeaderBlockBytes);
  // The content hash covers every byte after the header block, which is what the chunks
  // add up to when they are all read; hashing it in one go on another thread takes it off
  // the chunk checks' path.
  content_hash_ = std::async(std::launch::async, [data, bytes] {
    return XXH3_64bits(data + kSnapshotHeaderBlockBytes, bytes - kSnapshotHeaderBlockBytes);
  });
}

SnapshotFileReader::~SnapshotFileReader() {
  if (content_hash_.valid()) content_hash_.wait();
  ::munmap(const_cast<std::uint8_t*>(data_), bytes_);
}

Result<std::optional<SnapshotChunk>> SnapshotFileReader::Next() {
  TALLY_ASSERT(offset_ <= bytes_ && offset_ % kSnapshotChunkAlign == 0);
  if (offset_ == bytes_) {
    if (content_hash_.valid()) content_hash_matches_ = content_hash_.get() == header_.content_hash;
    if (!content_hash_matches_) {
      return At(kSnapshotHeaderBlockBytes, "content hash does not match the header");
    }
    return std::optional<SnapshotChunk>();
  }
  const std::uint64_t at = offset_;
  if (bytes_ - at < kSnapshotFrameBytes) return At(at, "truncated chunk frame");
  std::uint32_t body_bytes = 0;
  std::uint32_t kind = 0;
  std::uint64_t stored_hash = 0;
  std::memcpy(&body_bytes, data_ + at, 4);
  std::memcpy(&kind, data_ + at + 4, 4);
  std::memcpy(&stored_hash, data_ + at + 8, 8);
  if (body_bytes > kSnapshotChunkBytesMax) {
    return At(at, "chunk of " + std::to_string(body_bytes) + " bytes exceeds the maximum");
  }
  const std::uint64_t padded = SnapshotPaddedBytes(body_bytes);
  if (bytes_ - at - kSnapshotFrameBytes < padded) return At(at, "truncated chunk");
  const std::uint8_t* body = data_ + at + kSnapshotFrameBytes;
  const std::uint64_t seed = static_cast<std::uint64_t>(kind) << 32 | body_bytes;
  if (XXH3_64bits_withSeed(body, body_bytes, seed) != stored_hash) {
    return At(at, "chunk checksum mismatch");
  }
  for (std::uint64_t i = body_bytes; i < padded; ++i) {
    if (body[i] != 0) return At(at + kSnapshotFrameBytes + i, "nonzero chunk padding");
  }
  if (kind < static_cast<std::uint32_t>(SnapshotChunkKind::kWorkspace) ||
      kind > static_cast<std::uint32_t>(SnapshotChunkKind::kSchedule)) {
    return At(at, "unknown chunk kind " + std::to_string(kind));
  }
  offset_ = at + kSnapshotFrameBytes + padded;
  return std::optional<SnapshotChunk>(
      SnapshotChunk{static_cast<SnapshotChunkKind>(kind), at, {body, body_bytes}});
}

}  // namespace tally::engine
