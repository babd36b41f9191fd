// Snapshot loading: a snapshot file turned back into workspaces (docs/snapshot-format.md),
// checking every chunk before it builds anything from it, and rebuilding what is not stored
// (the event-name index, goal series, counters, segment member counts and the boundary
// schedule) instead of replaying records.
//
// Thread safety: the loaded workspaces are not shared until the caller publishes them; the
// interner is used through its own locking.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "engine/snapshot.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "log/result.h"

namespace tally::engine {

struct LoadedSnapshot {
  SnapshotHeader header;
  std::vector<std::unique_ptr<Workspace>> workspaces;
  std::vector<ErasureMark> erasures;  // oldest first
};

// Loads `file`. Errors: those of ReadSnapshotHeader, and kCorruption naming the offset of the
// first problem; nothing built so far survives a failure.
Result<LoadedSnapshot> LoadSnapshot(const std::filesystem::path& file, StringInterner& interner,
                                    const SnapshotProgress& progress);

}  // namespace tally::engine
