// SnapshotFileReader: reads a snapshot file's framing (docs/snapshot-format.md): the header
// block, then each chunk with its frame and checksum checked, and at the end the content hash
// and length against the header. What a chunk body means is the caller's business.
//
// The file is mapped read-only and populated at once (one pass over the page tables instead of a
// fault per 64 KiB read); chunk bodies point into the mapping, 8-byte aligned, and stay valid
// while the reader lives. The content hash is computed over the whole content by a thread of
// the reader's own, started by Open, while the caller reads and checks chunks; Next() waits for
// it after the last chunk, and the destructor waits for it too.
// Thread safety: Next() from one thread at a time; the returned bodies may be read from any.
#pragma once

#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <span>

#include <xxhash.h>

#include "engine/snapshot.h"
#include "engine/snapshot_format.h"
#include "log/result.h"

namespace tally::engine {

struct SnapshotChunk {
  SnapshotChunkKind kind;
  std::uint64_t offset = 0;  // of the chunk's frame in the file
  std::span<const std::uint8_t> body;
};

class SnapshotFileReader {
 public:
  // Opens the file and checks its header block and its length against the header. Errors:
  // kNotFound, kIoError, kCorruption naming what is wrong.
  static Result<std::unique_ptr<SnapshotFileReader>> Open(const std::filesystem::path& file);
  ~SnapshotFileReader();
  SnapshotFileReader(const SnapshotFileReader&) = delete;
  SnapshotFileReader& operator=(const SnapshotFileReader&) = delete;

  const SnapshotHeader& header() const { return header_; }

  // The next chunk, its frame and checksum verified; nullopt after the last one, once the
  // content hash matched. kCorruption names the offset of the problem.
  Result<std::optional<SnapshotChunk>> Next();

  // Bytes consumed so far, header block included.
  std::uint64_t offset() const { return offset_; }

 private:
  SnapshotFileReader(const std::uint8_t* data, std::uint64_t bytes, SnapshotHeader header);

  const std::uint8_t* data_;
  std::uint64_t bytes_;
  SnapshotHeader header_;
  std::uint64_t offset_ = kSnapshotHeaderBlockBytes;
  std::future<XXH64_hash_t> content_hash_;  // taken by the Next() that reaches the end
  bool content_hash_matches_ = false;
};

// Reads the first kSnapshotHeaderBlockBytes of `file` and decodes them; shared by
// ReadSnapshotHeader and SnapshotFileReader::Open.
Result<SnapshotHeader> ReadSnapshotHeaderOf(int fd, const std::filesystem::path& file,
                                            std::uint64_t file_bytes);

}  // namespace tally::engine
