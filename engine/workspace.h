// Workspace: the in-memory state of one workspace — its custom events, the contacts (and
// timelines and goal series) keyed by normalized email, and the per-event-name list index.
//
// Layout (docs/architecture.md has the picture):
// - kStripeCount stripes, each with its own shared_mutex. An event lives in the stripe of
//   hash(event_name, external_id); a contact lives in the stripe of hash(email); an event's
//   entry in the event_name index lives in its event's stripe.
// - Lock discipline: an event's fields are changed only while its key stripe AND the stripe of
//   the contact it is attached to are held exclusively, so a reader holding either one shared
//   may read them. A contact's timeline, goal series and event list are guarded by its stripe.
// - Lock order: stripes are always taken in ascending index order (StripeSet below), never one
//   after another out of order; the StringInterner's mutex is a leaf taken under stripes.
// Events and contacts live in EntryTables (engine/entry_table.h), so EventEntry* and
// ContactEntry* stay valid until the entry is erased.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <xxhash.h>

#include "engine/clock.h"
#include "engine/compact_text.h"
#include "engine/email.h"
#include "engine/entry_table.h"
#include "engine/goal_columns.h"
#include "engine/goal_series.h"
#include "engine/goal_series_element.h"  // kNoCents: goal_value absent
#include "engine/inline_key.h"
#include "engine/model.h"
#include "engine/name_index.h"
#include "engine/snapshot_epoch.h"
#include "engine/text_arena.h"
#include "engine/validation.h"
#include "engine/workspace_fwd.h"

namespace tally::engine {

// Enough to keep writers on different contacts apart on the cores we run on. An erasure or a
// list by name holds every stripe at once (plus, for an erasure, the log's own lock), and
// ThreadSanitizer's deadlock detector tracks at most 64 locks held by one thread, so the count
// stays well below 64.
inline constexpr unsigned kStripeCount = 32;
using StripeMask = std::uint64_t;  // one bit per stripe
inline constexpr StripeMask kAllStripes = (StripeMask{1} << kStripeCount) - 1;
static_assert(kStripeCount < 64);

inline constexpr TimeUs kNoTime = INT64_MIN;  // deleted_at absent

struct EventKey {
  const std::string* event_name;  // interned
  ExternalIdKey external_id;
};
static_assert(kExternalIdBytesMax <= ExternalIdKey::kTextBytesMax);
static_assert(kEmailBytesMax <= EmailKey::kTextBytesMax);

// One custom event's stored state (the key is in the map entry, see EventEntry).
struct EventState {
  ContactEntry* contact = nullptr;         // the email it is attached to (always present)
  const std::string* source = nullptr;     // interned
  const std::string* goal_name = nullptr;  // interned; null when absent
  CompactText properties_json;             // the client's raw JSON text (D19)
  CompactText integration_id;              // absent when null
  TimeUs occurred_at = 0;
  TimeUs deleted_at = kNoTime;
  TimeUs created_at = 0;
  TimeUs updated_at = 0;
  std::int64_t goal_value_cents = kNoCents;
  std::uint64_t seq = 0;          // unique, from the inserting record's LSN and position
  std::uint32_t contact_pos = 0;  // index in contact->second.events
  GoalType goal_type = GoalType::kNone;
  bool insert_entry_derived = false;  // its timeline insert entry is still rendered from here

  bool live() const { return deleted_at == kNoTime; }
};
// Two cache lines per event in its EntryTable (whose slots are line-aligned).
static_assert(sizeof(EventEntry) == 128);

enum class TimelineOperation : std::uint8_t { kInsert, kUpdate, kDelete, kRestore };

// A timeline entry whose content no longer follows from a live event: its kind, entity_id and
// changes as they were written.
struct FrozenTimelineEntry {
  const std::string* event_name;  // interned
  std::string external_id;
  std::string changes_json;
  TimelineOperation operation;
};

// A segment.joined / segment.left entry (entity_type contact_segment, reference §4.2).
struct SegmentTimelineEntry {
  std::string segment_id;
  std::int64_t version = 0;
  TimeUs matched_at = 0;  // joined only
  bool joined = false;
};

// One timeline entry. Only what cannot be derived is stored: a custom-event insert entry whose
// event has not been written since is rendered from that event (`event`), and is frozen into
// a FrozenTimelineEntry before the event's first later write; contact.created has no content.
struct TimelineItem {
  TimeUs created_at = 0;
  std::uint64_t id = 0;  // record LSN << 8 | slot; orders entries with equal created_at
  TimeUs db_created_at = 0;
  std::variant<std::monostate, const EventEntry*, std::unique_ptr<FrozenTimelineEntry>,
               std::unique_ptr<SegmentTimelineEntry>>
      content;
};

// Goal series of one contact for one (goal type or any, goal name or any).
inline constexpr std::uint8_t kAnyGoalType = 0xFF;
struct GoalSeriesSlot {
  std::uint8_t goal_type;        // a GoalType, or kAnyGoalType
  const std::string* goal_name;  // interned; null means every name
  GoalSeries series;
};

// Makes room for one more element in a contact's list, growing it by a quarter instead of
// std::vector's doubling: a list is ~1.12 times its size on average instead of ~1.44, which a
// million contacts' timelines and event lists pay for in memory. The extra reallocations copy
// a few hundred bytes per contact.
template <typename T>
void ReserveOneMore(std::vector<T>& list) {
  if (list.size() < list.capacity()) return;
  list.reserve(list.size() + list.size() / 4 + 1);
}

// Everything stored under one normalized email. The entry exists while the email has a
// contact, an event or a timeline entry.
struct ContactState {
  bool exists = false;  // a contact was created (D7); an email may hold events without one
  TimeUs created_at = 0;
  TimeUs updated_at = 0;
  std::vector<EventEntry*> events;     // attached events, live and deleted, unordered
  std::vector<TimelineItem> timeline;  // ascending (created_at, id)
  std::vector<GoalSeriesSlot> series;  // few slots, searched linearly
  // Saved segments (engine/segment_registry.h): bit i is set while the contact is a member of
  // the live segment with ordinal i, so a write checks membership without a lookup; and the
  // next instant at which time alone may change a membership (kNoTime: none).
  std::uint64_t segment_bits = 0;
  TimeUs segment_boundary = kNoTime;
  // Segment columns (engine/goal_columns.h, maintained by engine/goal_index.h): the contact's
  // row + 1 in its stripe's goal column of each goal type (index 0: any goal type), 0 while it
  // has no live event of that type.
  std::array<std::uint32_t, kGoalColumnCount> goal_rows{};

  // --- snapshots (engine/snapshot_capture.h) ------------------------------------------------
  // The epoch of the last snapshot that encoded this contact, or of the one running when it
  // was created: a writer about to change a contact below the running snapshot's epoch
  // encodes it for the snapshot first. Accessed only through std::atomic_ref by
  // engine/snapshot_capture.h: writers under the stripe's exclusive lock, the walk's claim under
  // the shared lock and its stamp with no lock held. Keep it a plain, 4-byte-aligned uint32.
  std::uint32_t snapshot_epoch = SnapshotEpochNow();
};

struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct EventKeyView {
  const std::string* event_name;
  std::string_view external_id;
};

// EntryTable traits (engine/entry_table.h). The names are interned, so an event key hashes the
// name's address; the table hash is for this process only (stripes use EventStripe).
struct EventTableTraits {
  using Key = EventKey;
  using Value = EventState;
  using KeyView = EventKeyView;
  static std::uint64_t Hash(const EventKeyView& k) {
    return XXH3_64bits_withSeed(k.external_id.data(), k.external_id.size(),
                                reinterpret_cast<std::uintptr_t>(k.event_name));
  }
  static bool Equal(const EventKey& a, const EventKeyView& b) {
    return a.event_name == b.event_name && a.external_id == b.external_id;
  }
  static EventKey MakeKey(const EventKeyView& k) {
    return EventKey{k.event_name, ExternalIdKey(k.external_id)};
  }
};
struct ContactTableTraits {
  using Key = EmailKey;
  using Value = ContactState;
  using KeyView = std::string_view;
  static std::uint64_t Hash(std::string_view email) {
    return XXH3_64bits(email.data(), email.size());
  }
  static bool Equal(const EmailKey& a, std::string_view b) { return a == b; }
  static std::string_view MakeKey(std::string_view email) { return email; }
};

struct alignas(64) Stripe {
  mutable std::shared_mutex mu;
  EntryTable<EventTableTraits> events;
  EntryTable<ContactTableTraits> contacts;
  std::unordered_map<const std::string*, NameIndex> by_name;  // live events per event_name
  // Properties and integration ids of the events whose key is in this stripe.
  TextArena texts;
  // Counters for Engine::GetStats, changed under this stripe's lock and read without it. Kept
  // per stripe so that writers to different stripes share no cache line. Events count in their
  // key's stripe; contacts and timeline entries in their email's stripe.
  std::atomic<std::uint64_t> events_count{0};
  std::atomic<std::uint64_t> contacts_count{0};
  std::atomic<std::uint64_t> timeline_count{0};
  // Segment columns (engine/goal_columns.h, maintained by engine/goal_index.h): the anytime
  // goal aggregates of this stripe's contacts, scanned by segment previews.
  GoalColumns goal_columns;
};

class SegmentRegistry;

struct Workspace {
  explicit Workspace(std::string workspace_id);
  ~Workspace();
  const std::string id;
  std::array<Stripe, kStripeCount> stripes;
  // Saved segments, their members and the time-boundary schedule (engine/segment_registry.h).
  const std::unique_ptr<SegmentRegistry> segments;
};

// Stripe of an event key and of an email. The key stripe hashes the name's text, not its
// interned address, so it is the same in every run.
unsigned EventStripe(std::string_view event_name, std::string_view external_id);
unsigned ContactStripe(std::string_view email);
inline StripeMask StripeBit(unsigned stripe) {
  return StripeMask{1} << stripe;
}
inline Stripe& StripeOf(Workspace& ws, const ContactEntry& contact) {
  return ws.stripes[ContactStripe(contact.first)];
}

// Holds the stripes of `mask` exclusively (or shared), taken in ascending index order.
class StripeLocks {
 public:
  StripeLocks(const Workspace& ws, StripeMask mask, bool exclusive);
  ~StripeLocks();
  StripeLocks(const StripeLocks&) = delete;
  StripeLocks& operator=(const StripeLocks&) = delete;
  bool Holds(unsigned stripe) const { return (mask_ & StripeBit(stripe)) != 0; }

 private:
  const Workspace& ws_;
  StripeMask mask_;
  bool exclusive_;
};

}  // namespace tally::engine
