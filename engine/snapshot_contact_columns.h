// SnapshotContactColumns: contacts of one stripe encoded into the columns of ContactsChunks
// (docs/snapshot-format.md), ready to be written, and the writing of one chunk.
//
// Encoding copies everything the snapshot stores of a contact entry (fields, memberships,
// events, timeline items, texts), so the columns stay valid after the contact changes or is
// erased. Interned strings (event names, sources, goal names) are referenced, not copied: they
// live as long as the engine.
//
// A chunk is sealed once it reaches the encoder's target size (kSnapshotChunkBytesTarget, or
// less): before a contact, or before an event or timeline item of a contact too large for one
// chunk, which then continues in the next chunk with a `continued` entry. Each chunk's columns
// are reserved for the target at once, so that encoding never copies a grown column.
//
// Thread safety: none. The encoder only reads a contact, its events and timeline items, and
// the segments' members of its stripe. CopyMembers (and the Add that calls it) needs the
// contact's stripe held, shared suffices; Add with the rows copied needs only that nobody
// changes the contact meanwhile (the snapshot walk's claim, engine/snapshot_capture.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/page_prefault.h"
#include "engine/segment_registry.h"
#include "engine/snapshot.h"
#include "engine/snapshot_file_writer.h"
#include "engine/snapshot_format.h"
#include "engine/workspace.h"
#include "log/status.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {

// The live segments of a workspace at the snapshot's LSN, by ordinal (null: free ordinal).
using SnapshotSegmentsByOrdinal = std::array<const SavedSegment*, kSegmentsPerWorkspaceMax>;

// The columns of one ContactsChunk.
struct SnapshotChunkColumns {
  // A contact entry whose counts grow as its events and timeline items are added.
  struct Contact {
    TimeUs created_at = 0;
    TimeUs updated_at = 0;
    TimeUs segment_boundary = 0;
    std::uint64_t segment_bits = 0;
    std::uint32_t email_bytes = 0;
    std::uint32_t events = 0;
    std::uint32_t timeline_items = 0;
    bool exists = false;
    bool continued = false;
  };

  SnapshotChunkColumns() = default;
  // Moves keep the owned strings where they are (the views stay valid); copies would not.
  SnapshotChunkColumns(SnapshotChunkColumns&&) = default;
  SnapshotChunkColumns& operator=(SnapshotChunkColumns&&) = default;
  SnapshotChunkColumns(const SnapshotChunkColumns&) = delete;
  SnapshotChunkColumns& operator=(const SnapshotChunkColumns&) = delete;

  std::vector<Contact> contacts;
  std::vector<schemas::snapshot::EventFixed> events;
  std::vector<schemas::snapshot::TimelineFixed> timeline;
  std::vector<schemas::snapshot::MemberFixed> members;
  std::vector<std::string_view> strings;  // interned strings, or views of owned_strings
  std::deque<std::string> owned_strings;  // segment ids (a deque: views stay valid)
  std::unordered_map<const std::string*, std::uint32_t> interned_index;
  std::unordered_map<std::string_view, std::uint32_t> string_index;
  std::size_t string_bytes = 0;
  std::string text;

  // About the size of the chunk's body.
  std::size_t Bytes() const;
  bool empty() const { return contacts.empty(); }
  // Empties the columns, keeping their capacity.
  void Clear();
};

// Encodes contacts of one stripe into chunks' columns.
class SnapshotContactEncoder {
 public:
  // `by_ordinal` (which must outlive the encoder) is the contacts' workspace's live segments.
  SnapshotContactEncoder(const SnapshotSegmentsByOrdinal& by_ordinal, unsigned stripe,
                         std::size_t chunk_bytes_target = kSnapshotChunkBytesTarget);

  unsigned stripe() const { return stripe_; }

  // Appends the contact's membership rows (one per set bit of its segment_bits, in ascending
  // ordinal order). The caller holds the contact's stripe: the segments' member maps change
  // under it, for every contact of the stripe.
  void CopyMembers(const ContactEntry& contact,
                   std::vector<schemas::snapshot::MemberFixed>& members) const;
  // Encodes the contact with the membership rows CopyMembers gave; returns how many items (the
  // contact, its events and timeline items) it took, a measure of the time spent. Reads only
  // the contact, its events and timeline items, their texts and interned strings, so the
  // caller needs no lock while nobody changes the contact (the walk's claim).
  std::size_t Add(const ContactEntry& contact,
                  std::span<const schemas::snapshot::MemberFixed> members);
  // CopyMembers and Add in one, for a caller holding the contact's stripe.
  std::size_t Add(const ContactEntry& contact);

  // The sealed chunks, removed from the encoder; the chunk being filled stays.
  std::vector<SnapshotChunkColumns> TakeSealed();
  // Every chunk, the one being filled included (if not empty); the encoder is left empty.
  std::vector<SnapshotChunkColumns> TakeAll();
  // Gives back written columns, so their buffers are reused rather than allocated afresh.
  void Recycle(SnapshotChunkColumns&& columns);

 private:
  void Seal();
  // Reserves the open chunk's columns for the target.
  void Reserve();
  // Populates the open chunk's columns ahead of the bytes written (engine/page_prefault.h).
  void PrefaultOpen();
  // Before an event or a timeline item: a full chunk is sealed and the contact continues.
  void ContinueIfFull();
  std::uint32_t StringIndex(std::string_view text);
  std::uint32_t InternedIndex(const std::string* interned);
  void AddEvent(const EventEntry& entry);
  void AddTimelineItem(const TimelineItem& item);

  const SnapshotSegmentsByOrdinal& by_ordinal_;
  unsigned stripe_;
  std::size_t chunk_bytes_target_;
  SnapshotChunkColumns open_;
  // One per column of open_: contacts, events, timeline, members, text.
  std::array<PagePrefault, 5> prefault_;
  std::vector<SnapshotChunkColumns> sealed_;
  std::vector<SnapshotChunkColumns> spare_;
  std::vector<schemas::snapshot::MemberFixed> members_scratch_;
};

// Writes `columns` as one ContactsChunk of `stripe` and adds what it holds to `counts`
// (contacts that exist, events, timeline entries). `builder` is scratch space, reused.
// Errors: those of SnapshotFileWriter::AppendChunk.
Status WriteContactsChunk(SnapshotFileWriter& writer, flatbuffers::FlatBufferBuilder& builder,
                          const SnapshotChunkColumns& columns, unsigned stripe,
                          SnapshotHeader& counts);

}  // namespace tally::engine
