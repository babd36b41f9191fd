#include "log/record_format.h"

#include <array>
#include <cstring>

#include <gtest/gtest.h>

#include "log/segment.h"

namespace tally::log {
namespace {

std::array<std::byte, kFrameHeaderBytes> EncodeFull(const FrameHeader& header) {
  std::array<std::byte, kFrameHeaderBytes> bytes{};
  const std::uint64_t published = EncodeFrameHeaderTail(header, bytes);
  std::memcpy(bytes.data(), &published, sizeof(published));
  return bytes;
}

const FrameHeader kHeader{.payload_bytes = 300,
                          .lsn = 0x0102030405060708ull,
                          .record_type = 5,
                          .format_version = kFrameFormatVersion,
                          .payload_checksum = 0xdeadbeefcafef00dull};

TEST(RecordFormatTest, FrameHeaderRoundTrips) {
  const auto bytes = EncodeFull(kHeader);
  FrameHeader decoded;
  ASSERT_EQ(DecodeFrameHeader(bytes, &decoded), FrameHeaderState::kValid);
  EXPECT_EQ(decoded.payload_bytes, kHeader.payload_bytes);
  EXPECT_EQ(decoded.lsn, kHeader.lsn);
  EXPECT_EQ(decoded.record_type, kHeader.record_type);
  EXPECT_EQ(decoded.format_version, kHeader.format_version);
  EXPECT_EQ(decoded.payload_checksum, kHeader.payload_checksum);
}

TEST(RecordFormatTest, TailEncodingLeavesThePublishedWordUntouched) {
  std::array<std::byte, kFrameHeaderBytes> bytes{};
  const std::uint64_t published = EncodeFrameHeaderTail(kHeader, bytes);
  for (std::size_t i = 0; i < kFramePublishedBytes; ++i) {
    EXPECT_EQ(bytes[i], std::byte{0});
  }
  EXPECT_EQ(published & 0xffffffffu, kFrameMagic);
  EXPECT_EQ(published >> 32, kHeader.payload_bytes);
  // Until the word is published the header reads as unwritten, not as a valid frame.
  FrameHeader decoded;
  EXPECT_EQ(DecodeFrameHeader(bytes, &decoded), FrameHeaderState::kBad);
}

TEST(RecordFormatTest, EveryFlippedHeaderBitIsDetected) {
  const auto original = EncodeFull(kHeader);
  for (std::size_t bit = 0; bit < kFrameHeaderBytes * 8; ++bit) {
    auto bytes = original;
    bytes[bit / 8] ^= static_cast<std::byte>(1 << (bit % 8));
    FrameHeader decoded;
    const FrameHeaderState state = DecodeFrameHeader(bytes, &decoded);
    // Bits of the payload checksum field are covered by the header checksum too.
    EXPECT_EQ(state, FrameHeaderState::kBad) << "bit " << bit;
  }
}

TEST(RecordFormatTest, AllZeroHeaderIsEndOfData) {
  const std::array<std::byte, kFrameHeaderBytes> zero{};
  FrameHeader decoded;
  EXPECT_EQ(DecodeFrameHeader(zero, &decoded), FrameHeaderState::kZero);
}

TEST(RecordFormatTest, NewerFrameVersionIsRejected) {
  FrameHeader newer = kHeader;
  newer.format_version = kFrameFormatVersion + 1;
  FrameHeader decoded;
  EXPECT_EQ(DecodeFrameHeader(EncodeFull(newer), &decoded), FrameHeaderState::kBad);
}

TEST(RecordFormatTest, SegmentHeaderRoundTripsAndDetectsDamage) {
  std::array<std::byte, kSegmentHeaderBytes> bytes{};
  EncodeSegmentHeader({.seq = 7, .first_lsn = 1000, .capacity_bytes = 1 << 20}, bytes);
  SegmentHeader decoded;
  ASSERT_EQ(DecodeSegmentHeader(bytes, &decoded), SegmentHeaderState::kValid);
  EXPECT_EQ(decoded.seq, 7u);
  EXPECT_EQ(decoded.first_lsn, 1000u);
  EXPECT_EQ(decoded.capacity_bytes, 1u << 20);
  // The durable hint is rewritten by syncs and is outside the checksum.
  bytes[kSegmentHeaderDurableHintOffset] = std::byte{9};
  EXPECT_EQ(DecodeSegmentHeader(bytes, &decoded), SegmentHeaderState::kValid);
  bytes[17] ^= std::byte{1};
  EXPECT_EQ(DecodeSegmentHeader(bytes, &decoded), SegmentHeaderState::kBad);
  const std::array<std::byte, kSegmentHeaderBytes> zero{};
  EXPECT_EQ(DecodeSegmentHeader(zero, &decoded), SegmentHeaderState::kZero);
}

TEST(RecordFormatTest, FramesArePaddedToEightBytes) {
  EXPECT_EQ(FrameBytes(1), kFrameHeaderBytes + 8);
  EXPECT_EQ(FrameBytes(8), kFrameHeaderBytes + 8);
  EXPECT_EQ(FrameBytes(9), kFrameHeaderBytes + 16);
  EXPECT_EQ(PayloadBytesMax(4096) + kFrameHeaderBytes + kSegmentHeaderBytes, 4096u);
}

TEST(SegmentFileNameTest, RoundTripsAndRejectsOtherNames) {
  EXPECT_EQ(SegmentFileName(42), "00000000000000000042.tlog");
  EXPECT_EQ(ParseSegmentFileName(SegmentFileName(42)), 42u);
  EXPECT_EQ(ParseSegmentFileName("00000000000000000042.tlog.discarded"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("0000000000000000042.tlog"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("00000000000000000000.tlog"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("0000000000000000004x.tlog"), std::nullopt);
}

}  // namespace
}  // namespace tally::log
