// SnapshotChunkCheck: everything a snapshot's chunks must satisfy beyond their checksums,
// checked chunk by chunk in file order (docs/snapshot-format.md, "Checks"): the FlatBuffers
// verifier, the chunk order, every index and length inside a chunk, the timeline order, the
// membership bits against the live segments, and at the end the counts against the header.
// VerifySnapshot runs it alone; loading runs it before it builds anything from a chunk, so a
// damaged file fails with kCorruption naming an offset, never with a crash.
//
// Thread safety: none; one checker follows one file.
#pragma once

#include <array>
#include <cstdint>

#include "engine/segment_registry.h"
#include "engine/snapshot.h"
#include "engine/snapshot_file_reader.h"
#include "log/status.h"

namespace tally::engine {

class SnapshotChunkChecker {
 public:
  explicit SnapshotChunkChecker(const SnapshotHeader& header) : header_(header) {}

  // Checks the next chunk of the file. After an ok result the chunk's root table may be read
  // without further checks.
  Status Check(const SnapshotChunk& chunk);

  // After the last chunk: the counts against the header.
  Status Finish() const;

 private:
  Status CheckWorkspace(const SnapshotChunk& chunk);
  Status CheckContacts(const SnapshotChunk& chunk);
  Status CheckErasures(const SnapshotChunk& chunk);
  Status CheckSchedule(const SnapshotChunk& chunk);
  // Ends the open contact (the next is not its continuation).
  Status CloseContact(std::uint64_t offset);

  // What a contact continued in the next chunk carries over.
  struct OpenContact {
    bool open = false;
    std::uint32_t events = 0;          // events so far
    std::uint64_t derived_events = 0;  // events whose insert entry is derived
    std::uint64_t derived_items = 0;   // derived timeline items
    bool has_item = false;
    std::int64_t last_created_at = 0;
    std::uint64_t last_id = 0;
  };

  SnapshotHeader header_;
  SnapshotHeader counted_;
  bool in_workspace_ = false;
  bool erasures_seen_ = false;
  // Of the last contacts chunk in this workspace; kStripeCount after its schedule began.
  std::uint32_t stripe_ = 0;
  std::uint64_t live_ordinals_ = 0;
  OpenContact open_;
};

}  // namespace tally::engine
