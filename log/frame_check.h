// Frame checks: decide whether the bytes at an offset of a segment mapping hold a valid frame,
// and find the next valid frame after a bad one. Shared by recovery and LogReader.
//
// Pure functions over memory; thread safe. The first 8 bytes of a header are read with an
// acquire load, pairing with the writer's release store that publishes a frame, so a reader
// running beside appenders sees either no frame or a complete one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "log/log.h"
#include "log/record_format.h"
#include "log/status.h"

namespace tally::log {

struct FrameCheck {
  enum class Kind {
    kValid,  // header, LSN and payload checksum verify
    kEnd,    // a zero first word (magic and length: nothing published there), or no room
             // left for a header: the end of the segment's data so far
    kBad,    // anything else; `reason` says what
  };
  Kind kind = Kind::kEnd;
  FrameHeader header;
  std::string reason;

  std::uint64_t frame_bytes() const { return FrameBytes(header.payload_bytes); }
};

// Checks the frame at `offset` (8-byte aligned, >= kSegmentHeaderBytes) of `segment`.
// `expected_lsn` nullopt accepts any LSN (used when scanning forward). Does not run the
// FlatBuffers verifier. O(payload bytes).
FrameCheck CheckFrame(std::span<const std::byte> segment, std::uint64_t offset,
                      std::optional<Lsn> expected_lsn);

struct FoundFrame {
  std::uint64_t offset = 0;
  FrameHeader header;
};

// The first offset at or after `from` (rounded up to 8) holding a frame whose header and
// payload checksums verify, whatever its LSN. O(segment bytes).
std::optional<FoundFrame> FindNextValidFrame(std::span<const std::byte> segment,
                                             std::uint64_t from);

// Runs the FlatBuffers verifier for schemas::Record over `payload` and checks that the union
// tag equals `record_type`. kCorruption when either fails.
Status VerifyRecordPayload(std::uint16_t record_type, std::span<const std::byte> payload);

}  // namespace tally::log
