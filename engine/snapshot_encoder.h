// Snapshot encoding: the engine's state turned into a snapshot file's chunks
// (docs/snapshot-format.md), written through SnapshotFileWriter.
//
// Thread safety: the encoder reads workspaces, contacts, events, timelines and segments
// without taking any lock. The caller guarantees that nothing changes them meanwhile: the
// engine's write gate is closed for the whole call, or the call runs in a forked child that
// has no other thread. It takes no lock and calls no logger itself, so the child may run it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/clock.h"
#include "engine/snapshot.h"
#include "engine/workspace.h"
#include "log/log.h"
#include "log/result.h"

namespace tally::engine {

struct SavedSegment;

struct SnapshotWorkspaceSource {
  const Workspace* workspace = nullptr;
  // Live segments in the registry's order, then the deleted ones; gathered by the caller
  // (under the registry's lock, before a fork) so the encoder needs no lock.
  std::vector<std::shared_ptr<const SavedSegment>> segments;
};

struct SnapshotSource {
  log::Lsn lsn = 0;
  TimeUs created_at = 0;
  std::vector<SnapshotWorkspaceSource> workspaces;  // in workspace id order
  std::vector<ErasureMark> erasures;                // oldest first
};

// Bytes written so far; called after every chunk.
using SnapshotBytesWritten = std::function<void(std::uint64_t bytes)>;

// Writes the snapshot of `source` to `fd` (replacing what it held) and fsyncs it. Errors:
// kIoError / kNoSpace from writing.
Result<SnapshotHeader> EncodeSnapshot(int fd, const SnapshotSource& source,
                                      const SnapshotBytesWritten& progress);

// A rough size of the file EncodeSnapshot will write, for progress reports.
std::uint64_t EstimateSnapshotBytes(const SnapshotSource& source);

}  // namespace tally::engine
