// VerifySnapshot (engine/snapshot.h): the framing and checksums by SnapshotFileReader, every
// chunk by SnapshotChunkChecker, no state built.
#include "engine/snapshot.h"
#include "engine/snapshot_chunk_check.h"
#include "engine/snapshot_file_reader.h"

namespace tally::engine {

Result<SnapshotHeader> VerifySnapshot(const std::filesystem::path& file,
                                      const SnapshotProgress& progress) {
  TALLY_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotFileReader> reader,
                         SnapshotFileReader::Open(file));
  SnapshotChunkChecker checker(reader->header());
  for (;;) {
    TALLY_ASSIGN_OR_RETURN(std::optional<SnapshotChunk> chunk, reader->Next());
    if (!chunk) break;
    TALLY_RETURN_IF_ERROR(checker.Check(*chunk));
    if (progress) progress(reader->offset(), reader->header().file_bytes);
  }
  TALLY_RETURN_IF_ERROR(checker.Finish());
  return reader->header();
}

}  // namespace tally::engine
