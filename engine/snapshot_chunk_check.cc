#include "engine/snapshot_chunk_check.h"

#include <bit>
#include <string>
#include <string_view>

#include "engine/model.h"
#include "engine/snapshot_format.h"
#include "engine/workspace.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {
namespace {

namespace fbs = tally::schemas::snapshot;

Status At(std::uint64_t offset, const std::string& what) {
  return Status::Corruption("offset " + std::to_string(offset) + ": " + what);
}

template <typename T>
bool VerifyBody(const SnapshotChunk& chunk) {
  flatbuffers::Verifier verifier(chunk.body.data(), chunk.body.size());
  return verifier.VerifyBuffer<T>(nullptr);
}

bool ItemLess(std::int64_t a_created, std::uint64_t a_id, std::int64_t b_created,
              std::uint64_t b_id) {
  return a_created != b_created ? a_created < b_created : a_id < b_id;
}

}  // namespace

Status SnapshotChunkChecker::Check(const SnapshotChunk& chunk) {
  if (erasures_seen_) return At(chunk.offset, "chunk after the erasures chunk");
  switch (chunk.kind) {
    case SnapshotChunkKind::kWorkspace: return CheckWorkspace(chunk);
    case SnapshotChunkKind::kContacts: return CheckContacts(chunk);
    case SnapshotChunkKind::kErasures: return CheckErasures(chunk);
    case SnapshotChunkKind::kSchedule: return CheckSchedule(chunk);
  }
  return At(chunk.offset, "unknown chunk kind");
}

Status SnapshotChunkChecker::CloseContact(std::uint64_t offset) {
  if (open_.derived_events != open_.derived_items) {
    return At(offset, "derived timeline entries do not match their events");
  }
  open_ = OpenContact{};
  return Status::Ok();
}

Status SnapshotChunkChecker::CheckWorkspace(const SnapshotChunk& chunk) {
  if (!VerifyBody<fbs::WorkspaceChunk>(chunk)) return At(chunk.offset, "workspace does not verify");
  TALLY_RETURN_IF_ERROR(CloseContact(chunk.offset));
  const auto& ws = *flatbuffers::GetRoot<fbs::WorkspaceChunk>(chunk.body.data());
  live_ordinals_ = 0;
  for (const fbs::SavedSegment* segment : *ws.segments()) {
    if (segment->ordinal() >= kSegmentsPerWorkspaceMax) {
      return At(chunk.offset, "segment ordinal out of range");
    }
    if (segment->deleted()) continue;
    const std::uint64_t bit = std::uint64_t{1} << segment->ordinal();
    if ((live_ordinals_ & bit) != 0) return At(chunk.offset, "two live segments share an ordinal");
    live_ordinals_ |= bit;
  }
  ++counted_.workspaces;
  counted_.segments += ws.segments()->size();
  in_workspace_ = true;
  stripe_ = 0;
  return Status::Ok();
}

Status SnapshotChunkChecker::CheckContacts(const SnapshotChunk& chunk) {
  const std::uint64_t at = chunk.offset;
  if (!VerifyBody<fbs::ContactsChunk>(chunk)) return At(at, "contacts chunk does not verify");
  if (!in_workspace_) return At(at, "contacts chunk before any workspace");
  const auto& c = *flatbuffers::GetRoot<fbs::ContactsChunk>(chunk.body.data());
  if (c.stripe() >= kStripeCount || c.stripe() < stripe_) {
    return At(at, "contacts chunk of stripe " + std::to_string(c.stripe()) + " out of order");
  }
  if (c.stripe() != stripe_) TALLY_RETURN_IF_ERROR(CloseContact(at));
  stripe_ = c.stripe();
  const std::size_t strings = c.strings()->size();
  const std::uint64_t text_bytes = c.text()->size();
  std::uint64_t text = 0;
  std::size_t event = 0;
  std::size_t item = 0;
  std::size_t member = 0;
  for (std::size_t i = 0; i < c.contacts()->size(); ++i) {
    const fbs::ContactFixed& contact = *c.contacts()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (contact.continued()) {
      if (i != 0 || !open_.open) return At(at, "a continued contact that continues nothing");
      if (contact.email_bytes() != 0 || contact.exists() || contact.segment_bits() != 0) {
        return At(at, "a continued contact with fields of its own");
      }
    } else {
      TALLY_RETURN_IF_ERROR(CloseContact(at));
      open_.open = true;
      if (text + contact.email_bytes() > text_bytes) return At(at, "texts overrun the chunk");
      const std::string_view email(reinterpret_cast<const char*>(c.text()->data() + text),
                                   contact.email_bytes());
      if (ContactStripe(email) != c.stripe()) return At(at, "a contact in the wrong stripe");
      if ((contact.segment_bits() & ~live_ordinals_) != 0) {
        return At(at, "a membership of a segment that is not live");
      }
      counted_.contacts += contact.exists() ? 1 : 0;
      text += contact.email_bytes();
      member += static_cast<std::size_t>(std::popcount(contact.segment_bits()));
    }
    if (event + contact.events() > c.events()->size() ||
        item + contact.timeline_items() > c.timeline()->size()) {
      return At(at, "contact counts overrun the chunk");
    }
    for (std::uint32_t e = 0; e < contact.events(); ++e, ++event) {
      const fbs::EventFixed& ev = *c.events()->Get(static_cast<flatbuffers::uoffset_t>(event));
      if (ev.event_name() >= strings || ev.source() >= strings ||
          (ev.goal_name() != kSnapshotNoString && ev.goal_name() >= strings) ||
          ev.goal_type() >= kGoalTypeCount ||
          (!ev.has_integration_id() && ev.integration_id_bytes() != 0)) {
        return At(at, "an event with a field out of range");
      }
      text += std::uint64_t{ev.external_id_bytes()} + ev.properties_json_bytes() +
              ev.integration_id_bytes();
      open_.derived_events += ev.insert_entry_derived() ? 1 : 0;
      ++open_.events;
    }
    for (std::uint32_t t = 0; t < contact.timeline_items(); ++t, ++item) {
      const fbs::TimelineFixed& ti = *c.timeline()->Get(static_cast<flatbuffers::uoffset_t>(item));
      if (open_.has_item &&
          !ItemLess(open_.last_created_at, open_.last_id, ti.created_at_us(), ti.id())) {
        return At(at, "timeline entries out of order");
      }
      open_.has_item = true;
      open_.last_created_at = ti.created_at_us();
      open_.last_id = ti.id();
      switch (ti.kind()) {
        case fbs::TimelineItemKind::ContactCreated: break;
        case fbs::TimelineItemKind::Derived:
          if (ti.ref() >= open_.events) return At(at, "a derived entry of a missing event");
          ++open_.derived_items;
          break;
        case fbs::TimelineItemKind::Frozen:
          if (ti.ref() >= strings || ti.operation() > 3) return At(at, "a bad frozen entry");
          break;
        case fbs::TimelineItemKind::SegmentJoined:
        case fbs::TimelineItemKind::SegmentLeft:
          if (ti.ref() >= strings) return At(at, "a bad segment entry");
          break;
        default: return At(at, "unknown timeline entry kind");
      }
      text += std::uint64_t{ti.text_a_bytes()} + ti.text_b_bytes();
    }
    counted_.events += contact.events();
    counted_.timeline_entries += contact.timeline_items();
  }
  if (event != c.events()->size() || item != c.timeline()->size() ||
      member != c.members()->size() || text != text_bytes) {
    return At(at, "contacts chunk holds data no contact claims");
  }
  return Status::Ok();
}

Status SnapshotChunkChecker::CheckSchedule(const SnapshotChunk& chunk) {
  if (!VerifyBody<fbs::ScheduleChunk>(chunk)) return At(chunk.offset, "schedule does not verify");
  if (!in_workspace_) return At(chunk.offset, "schedule chunk before any workspace");
  TALLY_RETURN_IF_ERROR(CloseContact(chunk.offset));
  // Contacts chunks of the workspace end with its first schedule chunk.
  stripe_ = kStripeCount;
  const auto& s = *flatbuffers::GetRoot<fbs::ScheduleChunk>(chunk.body.data());
  std::uint64_t text = 0;
  for (const fbs::ScheduledFixed* entry : *s.entries()) text += entry->email_bytes();
  if (text != s.text()->size()) return At(chunk.offset, "schedule texts do not add up");
  return Status::Ok();
}

Status SnapshotChunkChecker::CheckErasures(const SnapshotChunk& chunk) {
  if (!VerifyBody<fbs::ErasuresChunk>(chunk)) return At(chunk.offset, "erasures do not verify");
  TALLY_RETURN_IF_ERROR(CloseContact(chunk.offset));
  const auto& e = *flatbuffers::GetRoot<fbs::ErasuresChunk>(chunk.body.data());
  log::Lsn previous = 0;
  for (const fbs::ErasureFixed* mark : *e.erasures()) {
    if (mark->lsn() <= previous || mark->lsn() > header_.lsn) {
      return At(chunk.offset, "erasure marks out of order or after the snapshot's LSN");
    }
    previous = mark->lsn();
  }
  erasures_seen_ = true;
  return Status::Ok();
}

Status SnapshotChunkChecker::Finish() const {
  if (!erasures_seen_) return Status::Corruption("snapshot has no erasures chunk");
  const auto mismatch = [](const char* what, std::uint64_t counted, std::uint64_t header) {
    return Status::Corruption(std::string("snapshot holds ") + std::to_string(counted) + " " +
                              what + "; its header says " + std::to_string(header));
  };
  if (counted_.workspaces != header_.workspaces) {
    return mismatch("workspaces", counted_.workspaces, header_.workspaces);
  }
  if (counted_.contacts != header_.contacts) {
    return mismatch("contacts", counted_.contacts, header_.contacts);
  }
  if (counted_.events != header_.events) return mismatch("events", counted_.events, header_.events);
  if (counted_.timeline_entries != header_.timeline_entries) {
    return mismatch("timeline entries", counted_.timeline_entries, header_.timeline_entries);
  }
  if (counted_.segments != header_.segments) {
    return mismatch("segments", counted_.segments, header_.segments);
  }
  return Status::Ok();
}

}  // namespace tally::engine
