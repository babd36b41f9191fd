// Snapshot files: the engine's complete state at one LSN, in the FlatBuffers-based format of
// docs/snapshot-format.md (schemas/snapshot.fbs). This header holds what can be done with a
// snapshot file without an engine: read its header and verify it. Writing one is
// Engine::WriteSnapshot; loading one is EngineOptions::snapshot; choosing, publishing, pruning
// and compacting is engine/snapshot_store.h.
//
// Thread safety: the functions are pure over the file they read; call them from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "engine/clock.h"
#include "log/log.h"
#include "log/result.h"

namespace tally::engine {

inline constexpr std::uint32_t kSnapshotFormatVersion = 1;

// What a snapshot's header says about it.
struct SnapshotHeader {
  std::uint32_t format_version = 0;
  log::Lsn lsn = 0;       // every record up to this LSN, and none after it, is in the state
  TimeUs created_at = 0;  // when the state was captured
  std::uint64_t workspaces = 0;
  std::uint64_t contacts = 0;
  std::uint64_t events = 0;  // stored events, including soft-deleted ones
  std::uint64_t timeline_entries = 0;
  std::uint64_t segments = 0;       // saved segments, live and deleted
  std::uint64_t content_bytes = 0;  // bytes after the header block
  std::uint64_t content_hash = 0;   // XXH3-64 of those bytes
  std::uint64_t file_bytes = 0;
};

// Progress of a long operation: `done` of `total` units (bytes for verify and load).
using SnapshotProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Reads and checks the header block only (magic, header checksum, format version).
// Errors: kNotFound, kIoError, kCorruption naming what is wrong.
Result<SnapshotHeader> ReadSnapshotHeader(const std::filesystem::path& file);

// Re-hashes the whole file and checks every chunk (framing, checksum, FlatBuffers verifier,
// counts against the header) without building any state. Errors as ReadSnapshotHeader, with
// kCorruption naming the byte offset of the first problem.
Result<SnapshotHeader> VerifySnapshot(const std::filesystem::path& file,
                                      const SnapshotProgress& progress = {});

struct SnapshotWriteOptions {
  // Bytes written of an estimate; called from the calling thread with no engine lock held.
  SnapshotProgress progress;
};

// An erasure (D13) whose data may still be on disk: its record's LSN and time.
struct ErasureMark {
  log::Lsn lsn = 0;
  TimeUs recorded_at = 0;
};

}  // namespace tally::engine
