// Record format: the byte layout of segment headers and frames (grammar in docs/log-format.md).
//
// Holds only constants and pure functions over byte buffers; thread safe. Every multi-byte
// field is little-endian; tally runs only on little-endian hosts (asserted at compile time), so
// fields are copied with memcpy rather than byte-swapped.
//
//   segment = segment_header (64 bytes) frame* zero*
//   frame   = frame_header (32 bytes) payload padding-to-8
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tally::log {

static_assert(std::endian::native == std::endian::little, "the log format is little-endian");

inline constexpr std::uint32_t kSegmentMagic = 0x5347'4c54;  // "TLGS" read as bytes
inline constexpr std::uint32_t kFrameMagic = 0x4647'4c54;    // "TLGF" read as bytes
inline constexpr std::uint16_t kSegmentFormatVersion = 1;
inline constexpr std::uint16_t kFrameFormatVersion = 1;

inline constexpr std::size_t kSegmentHeaderBytes = 64;
inline constexpr std::size_t kFrameHeaderBytes = 32;
inline constexpr std::size_t kFrameAlignment = 8;
inline constexpr std::size_t kPageBytes = 4096;

// Segment sizes are whole pages so that prefaulting and msync work on page boundaries; the
// minimum still holds one small frame, the maximum keeps offsets well inside 32 bits of pages.
inline constexpr std::uint64_t kSegmentBytesMin = kPageBytes;
inline constexpr std::uint64_t kSegmentBytesMax = 1ull << 40;

// Segment header field offsets. The checksum covers [0, kSegmentHeaderChecksummedBytes); the
// durable-LSN hint after it is rewritten by every sync and so is not covered.
inline constexpr std::size_t kSegmentHeaderChecksummedBytes = 32;
inline constexpr std::size_t kSegmentHeaderChecksumOffset = 32;
inline constexpr std::size_t kSegmentHeaderDurableHintOffset = 40;

// The first 8 bytes of a frame header (magic and payload length) are published last, with one
// release store, so a frame whose first word is non-zero is complete in memory.
inline constexpr std::size_t kFramePublishedBytes = 8;

struct SegmentHeader {
  std::uint64_t seq = 0;
  std::uint64_t first_lsn = 0;
  std::uint64_t capacity_bytes = 0;
};

struct FrameHeader {
  std::uint32_t payload_bytes = 0;
  std::uint64_t lsn = 0;
  std::uint16_t record_type = 0;
  std::uint16_t format_version = kFrameFormatVersion;
  std::uint64_t payload_checksum = 0;
};

// Bytes a frame with `payload_bytes` of payload occupies, padding included.
constexpr std::uint64_t FrameBytes(std::uint64_t payload_bytes) {
  return kFrameHeaderBytes +
         (payload_bytes + kFrameAlignment - 1) / kFrameAlignment * kFrameAlignment;
}

// Largest payload a segment of `segment_bytes` can hold in one frame.
constexpr std::uint64_t PayloadBytesMax(std::uint64_t segment_bytes) {
  const std::uint64_t room = segment_bytes - kSegmentHeaderBytes - kFrameHeaderBytes;
  const std::uint64_t limit = room / kFrameAlignment * kFrameAlignment;
  return limit < 0xffff'ffffull ? limit : 0xffff'fff8ull;
}

std::uint64_t PayloadChecksum(std::span<const std::byte> payload);

// Writes the 64-byte segment header (durable hint zero) into `out`.
void EncodeSegmentHeader(const SegmentHeader& header,
                         std::span<std::byte, kSegmentHeaderBytes> out);

enum class SegmentHeaderState { kValid, kZero, kBad };
SegmentHeaderState DecodeSegmentHeader(std::span<const std::byte, kSegmentHeaderBytes> in,
                                       SegmentHeader* header);

// Writes every frame header byte except the first kFramePublishedBytes into `out`, and returns
// the word (magic | payload_bytes << 32) the writer publishes last.
std::uint64_t EncodeFrameHeaderTail(const FrameHeader& header,
                                    std::span<std::byte, kFrameHeaderBytes> out);

enum class FrameHeaderState { kValid, kZero, kBad };
// Checks magic, header checksum and version of the 32 header bytes in `in`; does not look at
// the payload. kZero: all 32 bytes are zero (end of data).
FrameHeaderState DecodeFrameHeader(std::span<const std::byte, kFrameHeaderBytes> in,
                                   FrameHeader* header);

}  // namespace tally::log
