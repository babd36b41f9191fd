// SnapshotCapture: the state at one LSN of a snapshot being written while writers go on, by
// copy-on-write at contact granularity (docs/snapshot-format.md, "Consistency").
//
// At the cut (the write gate closed, so the state is exactly the log's last LSN) the capture
// takes a new snapshot epoch (engine/snapshot_epoch.h) and copies the small global state: the
// workspaces, their segments, their boundary schedules, the erasure marks. From then on the
// contacts are the only state that both the snapshot and writers touch:
// - a writer about to change a contact whose ContactState::snapshot_epoch is below the
//   capture's first encodes it into the capture's side buffer for its stripe (Preserve) and
//   stamps it with the capture's epoch;
// - the snapshot's walk (engine/snapshot_encoder.h) claims contacts not yet stamped under the
//   stripe's shared lock (Claim), encodes them with no lock held and stamps them (Stamp), then
//   writes the side buffer of that stripe; a writer about to change a claimed contact waits
//   for its stamp (PreserveIfPending), a few microseconds;
// - a contact created after the cut is born with the capture's epoch and belongs to neither.
// So every contact that existed at the cut is encoded exactly once, as it was at the cut.
// Segment definitions (create, update, delete) do not run during a capture: they wait for the
// snapshot mutex, which WriteSnapshot holds throughout.
//
// Thread safety: the constructor runs with the write gate closed. PreserveIfPending, Preserve
// and NoteErased are called by writers holding the contact's stripe exclusively; the walk reads
// a stripe's capture and claims contacts under that stripe's shared lock, and stamps them with
// no lock. ContactState::snapshot_epoch is accessed through std::atomic_ref by both, so a stamp
// (release) orders the walk's reads of the contact before the changes of the writer that
// waited for it (acquire). Writers find the capture through RunningSnapshot
// (engine/running_snapshot.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/clock.h"
#include "engine/segment_registry.h"
#include "engine/snapshot.h"
#include "engine/snapshot_contact_columns.h"
#include "engine/workspace.h"
#include "log/log.h"
#include "schemas/snapshot_generated.h"

namespace tally::engine {

// ContactState::snapshot_epoch while the walk encodes the contact outside its stripe's lock:
// above every epoch (engine/snapshot_epoch.h), so the contact is not pending for anyone else.
inline constexpr std::uint32_t kSnapshotEpochWalking = UINT32_MAX;

// The chunk size of the side buffers: smaller than the walk's, so that the writer that fills
// a chunk's fresh memory (and seals it) pays for a small one.
inline constexpr std::size_t kSnapshotSideChunkBytesTarget = 256u << 10;

// One stripe of a captured workspace; guarded by that stripe's lock.
struct StripeCapture {
  StripeCapture(const SnapshotSegmentsByOrdinal& by_ordinal, unsigned stripe)
      : preserved(by_ordinal, stripe, kSnapshotSideChunkBytesTarget) {}
  // Contacts writers encoded before changing them.
  SnapshotContactEncoder preserved;
  // Contact entries erased since the cut: the walk may still hold their addresses.
  std::unordered_set<const ContactEntry*> erased;
  // The walk has passed this stripe and taken the side buffer: every contact is stamped.
  bool walked = false;
};

struct WorkspaceCapture {
  explicit WorkspaceCapture(Workspace& workspace);
  Workspace& ws;
  // Live segments in the registry's order, then the deleted ones.
  std::vector<std::shared_ptr<const SavedSegment>> segments;
  SnapshotSegmentsByOrdinal by_ordinal{};
  // The boundary schedule, as ScheduleChunk columns.
  std::vector<schemas::snapshot::ScheduledFixed> schedule;
  std::string schedule_text;
  std::vector<std::unique_ptr<StripeCapture>> stripes;  // kStripeCount
};

class SnapshotCapture {
 public:
  // Copies the global state of `workspaces` (any order) and `erasures`; the write gate is
  // closed. Cost: O(workspaces × stripes + segments + schedule entries).
  SnapshotCapture(log::Lsn lsn, TimeUs created_at, const std::vector<Workspace*>& workspaces,
                  std::vector<ErasureMark> erasures);
  SnapshotCapture(const SnapshotCapture&) = delete;
  SnapshotCapture& operator=(const SnapshotCapture&) = delete;

  log::Lsn lsn() const { return lsn_; }
  TimeUs created_at() const { return created_at_; }
  std::uint32_t epoch() const { return epoch_; }
  // In workspace id order.
  std::vector<std::unique_ptr<WorkspaceCapture>>& workspaces() { return workspaces_; }
  const std::vector<ErasureMark>& erasures() const { return erasures_; }

  // Whether the contact is still to be encoded: it existed at the cut, and nobody encoded or
  // claimed it. The caller holds the contact's stripe.
  bool Pending(const ContactEntry& contact) const { return EpochOf(contact) < epoch_; }
  // Before a writer changes the contact: waits while the walk encodes it, then preserves it if
  // it is still pending. The caller holds the contact's stripe exclusively.
  void PreserveIfPending(const Workspace& ws, ContactEntry& contact);
  // Encodes a pending contact into its stripe's side buffer and stamps it. The caller holds the
  // contact's stripe exclusively and is about to change the contact.
  void Preserve(const Workspace& ws, ContactEntry& contact);
  // The walk: claims a pending contact, to encode it after releasing the stripe's shared lock,
  // which it holds now. Until Stamp, writers wait before changing the contact.
  void Claim(ContactEntry& contact);
  // The walk, once it encoded a contact it claimed; no lock needed.
  void Stamp(ContactEntry& contact);
  // Records that the contact is about to be erased (after Preserve, if it was pending). The
  // caller holds the contact's stripe exclusively.
  void NoteErased(const Workspace& ws, const ContactEntry& contact);

 private:
  StripeCapture* StripeOf(const Workspace& ws, const ContactEntry& contact);
  static std::atomic_ref<std::uint32_t> EpochRef(const ContactEntry& contact) {
    // The field is never const; entries are handed around as const where only read.
    return std::atomic_ref<std::uint32_t>(
        const_cast<std::uint32_t&>(contact.second.snapshot_epoch));
  }
  static std::uint32_t EpochOf(const ContactEntry& contact) {
    return EpochRef(contact).load(std::memory_order_acquire);
  }

  const log::Lsn lsn_;
  const TimeUs created_at_;
  const std::uint32_t epoch_;
  std::vector<std::unique_ptr<WorkspaceCapture>> workspaces_;
  std::unordered_map<const Workspace*, WorkspaceCapture*> by_workspace_;
  const std::vector<ErasureMark> erasures_;
};

}  // namespace tally::engine
