#include "engine/snapshot_encoder.h"

#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/segment_registry.h"
#include "engine/snapshot_contact_columns.h"
#include "engine/snapshot_file_writer.h"
#include "engine/snapshot_format.h"
#include "log/assert.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {
namespace {

namespace fbs = tally::schemas::snapshot;

// How many contacts ahead the walk asks for the next contacts' entries.
constexpr std::size_t kWalkPrefetchAhead = 8;

// What the walk carries from chunk to chunk.
struct Walk {
  Walk(SnapshotCapture& c, int fd, const SnapshotBytesWritten& p)
      : capture(c), writer(fd), progress(p) {}

  SnapshotCapture& capture;
  SnapshotFileWriter writer;
  SnapshotHeader header;
  flatbuffers::FlatBufferBuilder builder;
  const SnapshotBytesWritten& progress;

  void Progress() {
    if (progress) progress(writer.offset());
  }
};

Status WriteWorkspaceChunk(Walk& walk, const WorkspaceCapture& w) {
  flatbuffers::FlatBufferBuilder& b = walk.builder;
  b.Clear();
  std::vector<flatbuffers::Offset<fbs::SavedSegment>> segments;
  for (const auto& segment : w.segments) {
    const SegmentInput& d = segment->definition;
    segments.push_back(fbs::CreateSavedSegment(
        b, b.CreateString(d.id), b.CreateString(d.name), b.CreateString(d.color),
        b.CreateString(d.tree_json), b.CreateString(d.timezone), segment->version, segment->ordinal,
        segment->deleted.load(), segment->db_created_at, segment->db_updated_at));
  }
  const auto id = b.CreateString(w.ws.id);
  b.Finish(fbs::CreateWorkspaceChunk(b, id, b.CreateVector(segments)));
  return walk.writer.AppendChunk(SnapshotChunkKind::kWorkspace,
                                 {b.GetBufferPointer(), b.GetSize()});
}

// The workspace's boundary schedule as captured, in chunks of at most about the target size.
Status WriteScheduleChunks(Walk& walk, const WorkspaceCapture& w) {
  flatbuffers::FlatBufferBuilder& b = walk.builder;
  std::size_t entry = 0;
  std::size_t text_at = 0;
  while (entry < w.schedule.size()) {
    const std::size_t first = entry;
    const std::size_t text_first = text_at;
    for (std::size_t bytes = 0; entry < w.schedule.size() && bytes < kSnapshotChunkBytesTarget;
         ++entry) {
      text_at += w.schedule[entry].email_bytes();
      bytes += sizeof(fbs::ScheduledFixed) + w.schedule[entry].email_bytes();
    }
    b.Clear();
    const auto entries_vector = b.CreateVectorOfStructs(w.schedule.data() + first, entry - first);
    const auto text_vector =
        b.CreateVector(reinterpret_cast<const std::uint8_t*>(w.schedule_text.data() + text_first),
                       text_at - text_first);
    b.Finish(fbs::CreateScheduleChunk(b, entries_vector, text_vector));
    TALLY_RETURN_IF_ERROR(
        walk.writer.AppendChunk(SnapshotChunkKind::kSchedule, {b.GetBufferPointer(), b.GetSize()}));
  }
  TALLY_ASSERT(text_at == w.schedule_text.size());
  return Status::Ok();
}

Status WriteErasuresChunk(Walk& walk) {
  std::vector<fbs::ErasureFixed> erasures;
  erasures.reserve(walk.capture.erasures().size());
  for (const ErasureMark& mark : walk.capture.erasures()) {
    erasures.emplace_back(mark.lsn, mark.recorded_at);
  }
  flatbuffers::FlatBufferBuilder& b = walk.builder;
  b.Clear();
  b.Finish(fbs::CreateErasuresChunk(b, b.CreateVectorOfStructs(erasures)));
  return walk.writer.AppendChunk(SnapshotChunkKind::kErasures, {b.GetBufferPointer(), b.GetSize()});
}

// Writes the chunks and hands their columns back to `encoder` for reuse.
Status WriteChunks(Walk& walk, SnapshotContactEncoder& encoder,
                   std::vector<SnapshotChunkColumns> chunks) {
  for (SnapshotChunkColumns& columns : chunks) {
    TALLY_RETURN_IF_ERROR(
        WriteContactsChunk(walk.writer, walk.builder, columns, encoder.stripe(), walk.header));
    encoder.Recycle(std::move(columns));
    walk.Progress();
  }
  return Status::Ok();
}

// One contact stripe of a workspace: every contact still pending, claimed in short holds of
// the stripe's shared lock and encoded with no lock held, then the contacts writers preserved
// meanwhile.
Status WalkStripe(Walk& walk, WorkspaceCapture& w, unsigned s) {
  Stripe& stripe = w.ws.stripes[s];
  StripeCapture& captured = *w.stripes[s];
  // The addresses are taken in one hold (iterators do not survive an insertion); an entry
  // erased later is in `captured.erased`, one created later is not pending.
  std::vector<ContactEntry*> contacts;
  {
    std::shared_lock lock(stripe.mu);
    contacts.reserve(stripe.contacts.size());
    for (ContactEntry& contact : stripe.contacts) contacts.push_back(&contact);
  }
  SnapshotContactEncoder encoder(w.by_ordinal, s);
  // The contacts claimed in one hold, each with the end of its rows in `members`.
  std::vector<std::pair<ContactEntry*, std::size_t>> claimed;
  std::vector<fbs::MemberFixed> members;
  for (std::size_t i = 0; i < contacts.size();) {
    claimed.clear();
    members.clear();
    {
      std::shared_lock lock(stripe.mu);
      for (std::size_t items = 0; i < contacts.size() && items < kSnapshotWalkItemsPerClaim; ++i) {
        // Contact entries are scattered: fetch a few ahead.
        if (i + kWalkPrefetchAhead < contacts.size()) {
          __builtin_prefetch(contacts[i + kWalkPrefetchAhead]);
        }
        ContactEntry& contact = *contacts[i];
        if (!captured.erased.empty() && captured.erased.contains(&contact)) continue;
        if (!walk.capture.Pending(contact)) continue;
        walk.capture.Claim(contact);
        // The segments' member maps change under the stripe's lock for any of its contacts.
        encoder.CopyMembers(contact, members);
        const ContactState& c = contact.second;
        __builtin_prefetch(c.events.data());
        __builtin_prefetch(c.timeline.data());
        claimed.emplace_back(&contact, members.size());
        items += 1 + c.events.size() + c.timeline.size();
      }
    }
    // No writer changes a claimed contact before its stamp, and the encoder reads nothing
    // that writers change for other contacts (engine/snapshot_contact_columns.h).
    std::size_t members_from = 0;
    for (const auto& [contact, members_end] : claimed) {
      encoder.Add(*contact, std::span<const fbs::MemberFixed>(members.data() + members_from,
                                                              members_end - members_from));
      members_from = members_end;
      walk.capture.Stamp(*contact);
    }
    TALLY_RETURN_IF_ERROR(WriteChunks(walk, encoder, encoder.TakeSealed()));
  }
  TALLY_RETURN_IF_ERROR(WriteChunks(walk, encoder, encoder.TakeAll()));
  // Every contact of the stripe is stamped now, so no writer adds to the side buffer again.
  std::vector<SnapshotChunkColumns> preserved;
  {
    std::unique_lock lock(stripe.mu);
    preserved = captured.preserved.TakeAll();
    captured.erased.clear();
    captured.walked = true;
  }
  return WriteChunks(walk, captured.preserved, std::move(preserved));
}

}  // namespace

Result<SnapshotHeader> EncodeSnapshot(int fd, SnapshotCapture& capture,
                                      const SnapshotBytesWritten& progress) {
  Walk walk(capture, fd, progress);
  walk.header.lsn = capture.lsn();
  walk.header.created_at = capture.created_at();
  for (const std::unique_ptr<WorkspaceCapture>& w : capture.workspaces()) {
    TALLY_RETURN_IF_ERROR(WriteWorkspaceChunk(walk, *w));
    ++walk.header.workspaces;
    walk.header.segments += w->segments.size();
    walk.Progress();
    for (unsigned s = 0; s < kStripeCount; ++s) TALLY_RETURN_IF_ERROR(WalkStripe(walk, *w, s));
    TALLY_RETURN_IF_ERROR(WriteScheduleChunks(walk, *w));
  }
  TALLY_RETURN_IF_ERROR(WriteErasuresChunk(walk));
  TALLY_RETURN_IF_ERROR(walk.writer.Finish(walk.header));
  walk.Progress();
  return walk.header;
}

std::uint64_t EstimateSnapshotBytes(SnapshotCapture& capture) {
  // Typical encoded sizes: an event with short texts, a timeline item, a contact entry.
  constexpr std::uint64_t kEventBytes = 160;
  constexpr std::uint64_t kTimelineItemBytes = 64;
  constexpr std::uint64_t kContactBytes = 80;
  std::uint64_t bytes = kSnapshotHeaderBlockBytes;
  for (const std::unique_ptr<WorkspaceCapture>& w : capture.workspaces()) {
    for (const Stripe& stripe : w->ws.stripes) {
      bytes += stripe.events_count.load(std::memory_order_relaxed) * kEventBytes +
               stripe.timeline_count.load(std::memory_order_relaxed) * kTimelineItemBytes +
               stripe.contacts_count.load(std::memory_order_relaxed) * kContactBytes;
    }
  }
  return bytes;
}

}  // namespace tally::engine
