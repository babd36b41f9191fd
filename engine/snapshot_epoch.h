// Snapshot epochs: a process-wide counter that numbers the snapshots being written, so that a
// contact knows whether the running snapshot has encoded it yet (engine/snapshot_capture.h).
//
// Every contact entry is born with the current epoch (ContactState::snapshot_epoch), and each
// snapshot takes a new, higher one at its cut, while the engine's write gate is closed. So a
// contact whose epoch is below the running snapshot's existed at the cut and is not yet
// encoded; one created after the cut already carries the running epoch and is left out. The
// counter is process-wide because a contact is created deep inside record application, where
// no engine is at hand; engines in one process only ever see it rise, which is all they need.
//
// Thread safety: both functions may be called from any thread. NewSnapshotEpoch must be
// called while every writer of the engine taking the snapshot is held out (the write gate);
// a writer that passes the gate afterwards reads the new value or a later one.
#pragma once

#include <cstdint>

namespace tally::engine {

// The epoch a contact created now carries.
std::uint32_t SnapshotEpochNow();

// Raises the epoch and returns the new value, the epoch of the snapshot being cut.
std::uint32_t NewSnapshotEpoch();

}  // namespace tally::engine
