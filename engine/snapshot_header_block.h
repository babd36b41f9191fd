// The snapshot header block (docs/snapshot-format.md): encoding a SnapshotHeader into the
// 4096-byte block at offset 0, and checking and decoding one.
//
// Pure functions; thread safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/snapshot.h"
#include "log/result.h"

namespace tally::engine {

// The whole block, kSnapshotHeaderBlockBytes long. file_bytes is not stored (it follows from
// content_bytes).
std::vector<std::uint8_t> EncodeSnapshotHeaderBlock(const SnapshotHeader& header);

// Checks magic, the block checksum, the FlatBuffers table and the format version. Errors:
// kCorruption naming what is wrong. file_bytes is set from content_bytes.
Result<SnapshotHeader> DecodeSnapshotHeaderBlock(std::span<const std::uint8_t> block);

}  // namespace tally::engine
