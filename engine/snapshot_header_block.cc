#include "engine/snapshot_header_block.h"

#include <cstring>
#include <string>

#include <xxhash.h>

#include "engine/snapshot_format.h"
#include "log/assert.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {
namespace {

namespace fbs = tally::schemas::snapshot;

// XXH3-64 of the block without its checksum field, so a flip of any other byte (padding
// included) is caught.
std::uint64_t BlockHash(std::span<const std::uint8_t> block) {
  XXH3_state_t* state = XXH3_createState();
  TALLY_ASSERT(state != nullptr);
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, block.data(), kSnapshotHeaderHashOffset);
  XXH3_64bits_update(state, block.data() + kSnapshotHeaderTableOffset,
                     block.size() - kSnapshotHeaderTableOffset);
  const std::uint64_t hash = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hash;
}

}  // namespace

std::vector<std::uint8_t> EncodeSnapshotHeaderBlock(const SnapshotHeader& header) {
  flatbuffers::FlatBufferBuilder b(512);
  fbs::FinishSnapshotHeaderBuffer(
      b, fbs::CreateSnapshotHeader(b, header.format_version, header.lsn, header.created_at,
                                   header.workspaces, header.contacts, header.events,
                                   header.timeline_entries, header.segments, header.content_bytes,
                                   header.content_hash));
  TALLY_ASSERT(b.GetSize() <= kSnapshotHeaderTableBytesMax);
  std::vector<std::uint8_t> block(kSnapshotHeaderBlockBytes, 0);
  std::memcpy(block.data(), kSnapshotMagic, sizeof(kSnapshotMagic));
  const auto size = static_cast<std::uint32_t>(b.GetSize());
  std::memcpy(block.data() + kSnapshotHeaderSizeOffset, &size, sizeof(size));
  std::memcpy(block.data() + kSnapshotHeaderTableOffset, b.GetBufferPointer(), size);
  const std::uint64_t hash = BlockHash(block);
  std::memcpy(block.data() + kSnapshotHeaderHashOffset, &hash, sizeof(hash));
  return block;
}

Result<SnapshotHeader> DecodeSnapshotHeaderBlock(std::span<const std::uint8_t> block) {
  if (block.size() < kSnapshotHeaderBlockBytes) {
    return Status::Corruption("snapshot header block is " + std::to_string(block.size()) +
                              " bytes, shorter than " + std::to_string(kSnapshotHeaderBlockBytes));
  }
  block = block.first(kSnapshotHeaderBlockBytes);
  if (std::memcmp(block.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) != 0) {
    return Status::Corruption("offset 0: not a tally snapshot (bad magic)");
  }
  std::uint64_t stored_hash = 0;
  std::memcpy(&stored_hash, block.data() + kSnapshotHeaderHashOffset, sizeof(stored_hash));
  if (stored_hash != BlockHash(block)) {
    return Status::Corruption("offset 0: snapshot header block checksum mismatch");
  }
  std::uint32_t size = 0;
  std::memcpy(&size, block.data() + kSnapshotHeaderSizeOffset, sizeof(size));
  const std::uint8_t* table = block.data() + kSnapshotHeaderTableOffset;
  flatbuffers::Verifier verifier(table, std::min<std::size_t>(size, kSnapshotHeaderTableBytesMax));
  if (size > kSnapshotHeaderTableBytesMax || !fbs::VerifySnapshotHeaderBuffer(verifier)) {
    return Status::Corruption("offset " + std::to_string(kSnapshotHeaderTableOffset) +
                              ": snapshot header table does not verify");
  }
  const fbs::SnapshotHeader& h = *fbs::GetSnapshotHeader(table);
  if (h.format_version() != kSnapshotFormatVersion) {
    return Status::Corruption("snapshot format version " + std::to_string(h.format_version()) +
                              " is not the supported version " +
                              std::to_string(kSnapshotFormatVersion));
  }
  SnapshotHeader out;
  out.format_version = h.format_version();
  out.lsn = h.lsn();
  out.created_at = h.created_at_us();
  out.workspaces = h.workspaces();
  out.contacts = h.contacts();
  out.events = h.events();
  out.timeline_entries = h.timeline_entries();
  out.segments = h.segments();
  out.content_bytes = h.content_bytes();
  out.content_hash = h.content_hash();
  out.file_bytes = kSnapshotHeaderBlockBytes + out.content_bytes;
  return out;
}

}  // namespace tally::engine
