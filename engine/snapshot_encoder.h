// Snapshot encoding: the walk that turns a SnapshotCapture (engine/snapshot_capture.h) into a
// snapshot file's chunks (docs/snapshot-format.md), written through SnapshotFileWriter.
//
// Thread safety: runs in the thread that writes the snapshot while writers go on. It reads
// each contact stripe in short critical sections under the stripe's shared lock (at most
// kSnapshotWalkItemsPerHold contacts, events and timeline items each), so a writer waits for at
// most one of them; it writes the file with no lock held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "engine/snapshot.h"
#include "engine/snapshot_capture.h"
#include "log/result.h"

namespace tally::engine {

// How much the walk encodes under one hold of a stripe's shared lock: contacts plus their
// events and timeline items (a contact is never split, so a larger one is encoded whole).
inline constexpr std::size_t kSnapshotWalkItemsPerHold = 256;

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
