// SegmentRegistry: one workspace's saved segments (definitions, parsed trees, member sets) and
// the schedule of the instants at which time alone may change a contact's memberships (D17).
//
// Thread safety and lock order:
// - The registry's own mutex guards the id map, the live list and the schedule; it is a leaf
//   (taken under stripes, never held while taking another lock).
// - Definitions change (Define/Delete) only while every stripe of the workspace is held
//   exclusively, so code holding any stripe sees a stable live list.
// - A segment's members in stripe i, and the boundary of a contact in stripe i, are guarded by
//   stripe i's lock (exclusive to change, shared to read).
// - SavedSegment objects are shared_ptr-owned: a reader may keep one after releasing locks and
//   read its immutable fields (tree, definition) and members_count.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/segment_definition.h"
#include "engine/segment_tree.h"
#include "engine/workspace.h"

namespace tally::engine {

// Saved segments per workspace; a timeline entry id reserves one slot per segment (ordinal).
inline constexpr std::size_t kSegmentsPerWorkspaceMax = 50;
static_assert(kSegmentsPerWorkspaceMax <= 64, "ContactState::segment_bits has one bit each");

// A contact's membership of a saved segment (reference §5.5).
struct SegmentMember {
  std::int64_t version = 0;  // the segment version it was last computed for
  TimeUs matched_at = 0;     // when it joined
  TimeUs computed_at = 0;    // when it was last evaluated
};

struct SavedSegment {
  SegmentInput definition;  // as the client sent it (tree as JSON text)
  std::shared_ptr<const SegmentTree> tree;
  std::int64_t version = 1;
  TimeUs db_created_at = 0;
  TimeUs db_updated_at = 0;
  std::atomic<bool> deleted{false};
  unsigned ordinal = 0;  // < kSegmentsPerWorkspaceMax, unique among live segments

  // Members by normalized email, per contact stripe; map i is guarded by stripe i's lock.
  std::array<std::map<std::string, SegmentMember, std::less<>>, kStripeCount> members;
  std::atomic<std::uint64_t> members_count{0};
};

using SegmentList = std::vector<std::shared_ptr<SavedSegment>>;

class SegmentRegistry {
 public:
  SegmentRegistry();

  // Live segments, oldest first. The snapshot stays valid and unchanged after the call.
  std::shared_ptr<const SegmentList> Live() const;

  // Whether any segment is live; lock-free, for the write path's common case of none.
  bool HasLive() const { return live_count_.load(std::memory_order_acquire) > 0; }

  // Every segment, live and deleted, in id order (for snapshots).
  std::vector<std::shared_ptr<SavedSegment>> All() const;

  // The segment with `id`, live or deleted; null when it never existed.
  std::shared_ptr<SavedSegment> Find(std::string_view id) const;

  // The lowest ordinal no live segment uses, or nullopt when kSegmentsPerWorkspaceMax are live.
  std::optional<unsigned> FreeOrdinal() const;

  // Makes `segment` the live segment of its id, replacing any earlier one (live or deleted).
  // The caller holds every stripe exclusively.
  void Put(std::shared_ptr<SavedSegment> segment);

  // Marks the live segment `id` deleted and drops it from the live list. The caller holds every
  // stripe exclusively.
  void MarkDeleted(const std::shared_ptr<SavedSegment>& segment);

  // --- the schedule -------------------------------------------------------------------------
  // Records that the contact `email` must be evaluated again at `at`. Entries superseded by a
  // later evaluation stay queued; the caller drops them when popped (the contact's
  // ContactState::segment_boundary no longer equals `at`).
  void Schedule(TimeUs at, std::string email);

  // Removes and returns the queued entries due at or before `now`, earliest first.
  std::vector<std::pair<TimeUs, std::string>> PopDue(TimeUs now);

  // The earliest queued instant, if any.
  std::optional<TimeUs> NextDue() const;

  // Every queued entry, superseded ones included, in no particular order, read WITHOUT the
  // lock (for snapshots): the caller guarantees that no Schedule or PopDue runs meanwhile (the
  // engine's write gate is closed, or this is a forked child with no other thread).
  template <typename Visit>
  void ForEachScheduledUnlocked(Visit&& visit) const {
    for (const Entry& entry : queue_.entries()) visit(entry.first, entry.second);
  }

 private:
  using Entry = std::pair<TimeUs, std::string>;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<SavedSegment>, std::less<>> by_id_;
  std::shared_ptr<const SegmentList> live_;
  std::atomic<std::size_t> live_count_{0};
  // A priority queue whose entries can be listed (for snapshots).
  struct Queue : std::priority_queue<Entry, std::vector<Entry>, std::greater<>> {
    const std::vector<Entry>& entries() const { return c; }
  };
  Queue queue_;
};

}  // namespace tally::engine
