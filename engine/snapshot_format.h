// Snapshot file layout constants (docs/snapshot-format.md has the grammar): the header block,
// the chunk frame and the chunk kinds, and the limits a reader enforces.
//
// Constants only; no thread-safety concerns.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tally::engine {

// The header block: magic, the FlatBuffers header's size, a checksum of the whole block (apart
// from the checksum field itself), then the FlatBuffers SnapshotHeader, zero-padded to 4096.
inline constexpr std::size_t kSnapshotHeaderBlockBytes = 4096;
inline constexpr char kSnapshotMagic[8] = {'T', 'A', 'L', 'L', 'Y', 'S', 'N', 'P'};
inline constexpr std::size_t kSnapshotHeaderSizeOffset = 8;    // u32, little-endian
inline constexpr std::size_t kSnapshotHeaderHashOffset = 16;   // u64 XXH3-64
inline constexpr std::size_t kSnapshotHeaderTableOffset = 24;  // FlatBuffers SnapshotHeader
inline constexpr std::size_t kSnapshotHeaderTableBytesMax =
    kSnapshotHeaderBlockBytes - kSnapshotHeaderTableOffset;

// A chunk: u32 body bytes, u32 kind, u64 XXH3-64 of the body seeded with (kind << 32 | bytes),
// the FlatBuffers body, zero padding to a multiple of 8 so that every body is 8-byte aligned.
inline constexpr std::size_t kSnapshotFrameBytes = 16;
inline constexpr std::size_t kSnapshotChunkAlign = 8;
// Encoders start a new chunk once a chunk reaches the target; one item (an event or a timeline
// entry, each bounded by the request limits) may take it past, never past the maximum, which
// stays far below FlatBuffers' 2 GiB.
inline constexpr std::size_t kSnapshotChunkBytesTarget = 4u << 20;
inline constexpr std::size_t kSnapshotChunkBytesMax = 256u << 20;

enum class SnapshotChunkKind : std::uint32_t {
  kWorkspace = 1,  // schemas::snapshot::WorkspaceChunk
  kContacts = 2,   // schemas::snapshot::ContactsChunk
  kErasures = 3,   // schemas::snapshot::ErasuresChunk, the last chunk
  kSchedule = 4,   // schemas::snapshot::ScheduleChunk
};

// EventFixed::goal_name when the event has none.
inline constexpr std::uint32_t kSnapshotNoString = 0xFFFFFFFF;

inline constexpr std::size_t SnapshotPaddedBytes(std::size_t bytes) {
  return (bytes + kSnapshotChunkAlign - 1) / kSnapshotChunkAlign * kSnapshotChunkAlign;
}

}  // namespace tally::engine
