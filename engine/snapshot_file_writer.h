// SnapshotFileWriter: writes a snapshot file's framing (docs/snapshot-format.md): chunks one
// after another from the end of the header block, hashing the content as it goes, then the
// header block last, once the content hash is known, then fsync.
//
// It owns nothing but the position and the hash; the caller owns the file descriptor. It calls
// no logger and takes no lock, so a forked child may use it.
// Thread safety: none; one thread writes one file.
#pragma once

#include <cstdint>
#include <span>

#include <sys/uio.h>
#include <xxhash.h>

#include "engine/snapshot.h"
#include "engine/snapshot_format.h"
#include "log/status.h"

namespace tally::engine {

class SnapshotFileWriter {
 public:
  // `fd` is open for writing; whatever the file held is replaced.
  explicit SnapshotFileWriter(int fd);
  ~SnapshotFileWriter();
  SnapshotFileWriter(const SnapshotFileWriter&) = delete;
  SnapshotFileWriter& operator=(const SnapshotFileWriter&) = delete;

  // Appends one framed chunk. Errors: kIoError / kNoSpace (the write), kInternal for a body
  // over kSnapshotChunkBytesMax.
  Status AppendChunk(SnapshotChunkKind kind, std::span<const std::uint8_t> body);

  // Completes `header` (content bytes and hash, file bytes), writes the header block at offset
  // 0 and fsyncs the file. No chunk may be appended afterwards.
  Status Finish(SnapshotHeader& header);

  // Bytes written so far, header block included.
  std::uint64_t offset() const { return offset_; }

 private:
  Status WriteAt(std::uint64_t offset, std::span<const ::iovec> parts);

  int fd_;
  std::uint64_t offset_;
  XXH3_state_t* hash_;
  bool finished_ = false;
};

}  // namespace tally::engine
