// Snapshot encoding: the walk that turns a SnapshotCapture (engine/snapshot_capture.h) into a
// snapshot file's chunks (docs/snapshot-format.md), written through SnapshotFileWriter.
//
// Thread safety: runs in the thread that writes the snapshot while writers go on. It claims
// each stripe's contacts in short holds of the stripe's shared lock (engine/snapshot_capture.h)
// and encodes them with no lock held, so the stripe's writers are held up only by the claims;
// a writer about to change a claimed contact waits for the encoding of at most
// kSnapshotWalkItemsPerClaim items. It writes the file with no lock held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "engine/snapshot.h"
#include "engine/snapshot_capture.h"
#include "log/result.h"

namespace tally::engine {

// How much the walk claims under one hold of a stripe's shared lock and then encodes: contacts
// plus their events and timeline items (a contact is never split, so a larger one is claimed
// whole).
inline constexpr std::size_t kSnapshotWalkItemsPerClaim = 64;

// Bytes written so far; called after every chunk, from the calling thread with no engine lock
// held (so it may itself write to the engine).
using SnapshotBytesWritten = std::function<void(std::uint64_t bytes)>;

// Writes the snapshot of `capture` to `fd` (replacing what it held) and fsyncs it, encoding
// every contact the capture still holds pending. Errors: kIoError / kNoSpace from writing.
Result<SnapshotHeader> EncodeSnapshot(int fd, SnapshotCapture& capture,
                                      const SnapshotBytesWritten& progress);

// A rough size of the file EncodeSnapshot will write, for progress reports.
std::uint64_t EstimateSnapshotBytes(SnapshotCapture& capture);

}  // namespace tally::engine
