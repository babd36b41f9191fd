#include "log/frame_check.h"

#include <array>
#include <atomic>
#include <cstring>

#include "log/assert.h"
#include "schemas/log_record_generated.h"

namespace tally::log {
namespace {

// Reads a frame header from shared memory: the published word with acquire and, only if it is
// set, the rest after it (before publication an appender may still be writing those bytes).
// nullopt: nothing is published at `at`.
std::optional<std::array<std::byte, kFrameHeaderBytes>> LoadHeader(const std::byte* at) {
  const std::uint64_t published =
      std::atomic_ref<const std::uint64_t>(*reinterpret_cast<const std::uint64_t*>(at))
          .load(std::memory_order_acquire);
  if (published == 0) {
    return std::nullopt;
  }
  std::array<std::byte, kFrameHeaderBytes> header;
  std::memcpy(header.data(), &published, kFramePublishedBytes);
  std::memcpy(header.data() + kFramePublishedBytes, at + kFramePublishedBytes,
              kFrameHeaderBytes - kFramePublishedBytes);
  return header;
}

FrameCheck Bad(std::string reason) {
  return FrameCheck{.kind = FrameCheck::Kind::kBad, .header = {}, .reason = std::move(reason)};
}

}  // namespace

FrameCheck CheckFrame(std::span<const std::byte> segment, std::uint64_t offset,
                      std::optional<Lsn> expected_lsn) {
  TALLY_ASSERT(offset % kFrameAlignment == 0 && offset >= kSegmentHeaderBytes);
  if (offset + kFrameHeaderBytes > segment.size()) {
    return FrameCheck{.kind = FrameCheck::Kind::kEnd, .header = {}, .reason = {}};
  }
  // A zero first word is a frame not published yet (or never): the end of the data so far,
  // even if an appender has already written the rest of its header.
  const auto raw = LoadHeader(segment.data() + offset);
  if (!raw.has_value()) {
    return FrameCheck{};
  }
  FrameCheck check;
  switch (DecodeFrameHeader(*raw, &check.header)) {
    case FrameHeaderState::kZero: return FrameCheck{};
    case FrameHeaderState::kBad: return Bad("bad frame header (magic, checksum or version)");
    case FrameHeaderState::kValid: break;
  }
  if (check.header.payload_bytes == 0 || offset + check.frame_bytes() > segment.size()) {
    return Bad("frame length " + std::to_string(check.header.payload_bytes) + " out of range");
  }
  if (expected_lsn.has_value() && check.header.lsn != *expected_lsn) {
    return Bad("frame has LSN " + std::to_string(check.header.lsn) + ", expected " +
               std::to_string(*expected_lsn));
  }
  const auto payload = segment.subspan(offset + kFrameHeaderBytes, check.header.payload_bytes);
  if (PayloadChecksum(payload) != check.header.payload_checksum) {
    return Bad("payload checksum mismatch");
  }
  check.kind = FrameCheck::Kind::kValid;
  return check;
}

std::optional<FoundFrame> FindNextValidFrame(std::span<const std::byte> segment,
                                             std::uint64_t from) {
  std::uint64_t offset = (from + kFrameAlignment - 1) / kFrameAlignment * kFrameAlignment;
  for (; offset + kFrameHeaderBytes <= segment.size(); offset += kFrameAlignment) {
    std::uint32_t magic;
    std::memcpy(&magic, segment.data() + offset, sizeof(magic));
    // Most positions fail this comparison, which keeps the scan near memory speed.
    if (magic != kFrameMagic) {
      continue;
    }
    const FrameCheck check = CheckFrame(segment, offset, std::nullopt);
    if (check.kind == FrameCheck::Kind::kValid) {
      return FoundFrame{.offset = offset, .header = check.header};
    }
  }
  return std::nullopt;
}

Status VerifyRecordPayload(std::uint16_t record_type, std::span<const std::byte> payload) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload.data());
  flatbuffers::Verifier verifier(bytes, payload.size());
  if (!schemas::VerifyRecordBuffer(verifier)) {
    return Status::Corruption("payload is not a valid schemas::Record");
  }
  const auto tag = static_cast<std::uint16_t>(schemas::GetRecord(bytes)->body_type());
  if (tag != record_type) {
    return Status::Corruption("payload union tag " + std::to_string(tag) +
                              " differs from record type " + std::to_string(record_type));
  }
  return Status::Ok();
}

}  // namespace tally::log
