#include "log/record_format.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <xxh_x86dispatch.h>
#include <xxhash.h>

namespace tally::log {
namespace {

template <typename T>
void Put(std::byte* out, std::size_t offset, T value) {
  std::memcpy(out + offset, &value, sizeof(T));
}

template <typename T>
T Get(const std::byte* in, std::size_t offset) {
  T value;
  std::memcpy(&value, in + offset, sizeof(T));
  return value;
}

// The frame header checksum covers every header byte except the checksum field itself
// (bytes 20..23); it is the low 32 bits of XXH3-64 so the header stays 32 bytes.
std::uint32_t FrameHeaderChecksum(const std::byte* header) {
  std::array<std::byte, kFrameHeaderBytes - 4> covered;
  std::memcpy(covered.data(), header, 20);
  std::memcpy(covered.data() + 20, header + 24, 8);
  return static_cast<std::uint32_t>(XXH3_64bits(covered.data(), covered.size()));
}

bool AllZero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

}  // namespace

std::uint64_t PayloadChecksum(std::span<const std::byte> payload) {
  // xxh_x86dispatch.h turns every XXH3_64bits call in this file into XXH3_64bits_dispatch,
  // which picks the widest vector code the CPU has (AVX2, AVX-512) at run time; Debian builds
  // the plain function for SSE2. The hash values are the same.
  return XXH3_64bits(payload.data(), payload.size());
}

void EncodeSegmentHeader(const SegmentHeader& header,
                         std::span<std::byte, kSegmentHeaderBytes> out) {
  std::byte* p = out.data();
  std::memset(p, 0, kSegmentHeaderBytes);
  Put<std::uint32_t>(p, 0, kSegmentMagic);
  Put<std::uint16_t>(p, 4, kSegmentFormatVersion);
  Put<std::uint16_t>(p, 6, static_cast<std::uint16_t>(kSegmentHeaderBytes));
  Put<std::uint64_t>(p, 8, header.seq);
  Put<std::uint64_t>(p, 16, header.first_lsn);
  Put<std::uint64_t>(p, 24, header.capacity_bytes);
  Put<std::uint64_t>(p, kSegmentHeaderChecksumOffset,
                     XXH3_64bits(p, kSegmentHeaderChecksummedBytes));
}

SegmentHeaderState DecodeSegmentHeader(std::span<const std::byte, kSegmentHeaderBytes> in,
                                       SegmentHeader* header) {
  const std::byte* p = in.data();
  if (AllZero(in.first(kSegmentHeaderChecksummedBytes + 8))) {
    return SegmentHeaderState::kZero;
  }
  if (Get<std::uint32_t>(p, 0) != kSegmentMagic ||
      Get<std::uint64_t>(p, kSegmentHeaderChecksumOffset) !=
          XXH3_64bits(p, kSegmentHeaderChecksummedBytes) ||
      Get<std::uint16_t>(p, 4) != kSegmentFormatVersion ||
      Get<std::uint16_t>(p, 6) != kSegmentHeaderBytes) {
    return SegmentHeaderState::kBad;
  }
  header->seq = Get<std::uint64_t>(p, 8);
  header->first_lsn = Get<std::uint64_t>(p, 16);
  header->capacity_bytes = Get<std::uint64_t>(p, 24);
  return SegmentHeaderState::kValid;
}

std::uint64_t EncodeFrameHeaderTail(const FrameHeader& header,
                                    std::span<std::byte, kFrameHeaderBytes> out) {
  std::array<std::byte, kFrameHeaderBytes> full;
  std::byte* p = full.data();
  const std::uint64_t published =
      std::uint64_t{kFrameMagic} | (std::uint64_t{header.payload_bytes} << 32);
  Put<std::uint64_t>(p, 0, published);
  Put<std::uint64_t>(p, 8, header.lsn);
  Put<std::uint16_t>(p, 16, header.record_type);
  Put<std::uint16_t>(p, 18, header.format_version);
  Put<std::uint64_t>(p, 24, header.payload_checksum);
  Put<std::uint32_t>(p, 20, FrameHeaderChecksum(p));
  std::memcpy(out.data() + kFramePublishedBytes, p + kFramePublishedBytes,
              kFrameHeaderBytes - kFramePublishedBytes);
  return published;
}

FrameHeaderState DecodeFrameHeader(std::span<const std::byte, kFrameHeaderBytes> in,
                                   FrameHeader* header) {
  const std::byte* p = in.data();
  if (Get<std::uint32_t>(p, 0) != kFrameMagic) {
    return AllZero(in) ? FrameHeaderState::kZero : FrameHeaderState::kBad;
  }
  if (Get<std::uint32_t>(p, 20) != FrameHeaderChecksum(p)) {
    return FrameHeaderState::kBad;
  }
  header->payload_bytes = Get<std::uint32_t>(p, 4);
  header->lsn = Get<std::uint64_t>(p, 8);
  header->record_type = Get<std::uint16_t>(p, 16);
  header->format_version = Get<std::uint16_t>(p, 18);
  header->payload_checksum = Get<std::uint64_t>(p, 24);
  // A newer tally may write a newer frame version; this one cannot interpret it.
  if (header->format_version == 0 || header->format_version > kFrameFormatVersion) {
    return FrameHeaderState::kBad;
  }
  return FrameHeaderState::kValid;
}

}  // namespace tally::log
