// Record application: the one code path that turns a log record into state, used by live
// writes (after their append) and by replay alike, so state is a pure function of the log.
//
// Thread safety: the caller holds, exclusively, the stripes of everything a record touches:
// for an upsert the event key's stripe, the new email's stripe and the stripe of the email the
// event is attached to now; for an erasure every stripe. Replay runs before the engine is
// shared and needs no locks.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/clock.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "log/log.h"

namespace tally::schemas {
struct EventUpsert;
}

namespace tally::engine {

// The last-writer rule (D2) for a write with `occurred_at` / `deleted_at` (kNoTime: none)
// against the stored event (null: none stored).
enum class WriteKind {
  kInsert,         // no stored event
  kNewer,          // newer occurred_at: replaces the payload (COALESCE for goal fields)
  kDeleteRestore,  // not newer but deleted_at differs: changes deleted_at only
  kNoop,           // nothing to do; nothing is logged
};
WriteKind DecideWrite(const EventState* stored, TimeUs occurred_at, TimeUs deleted_at);

// What one applied upsert did: the event it wrote (null when it changed nothing, kNoop), and
// the contact the stored event was attached to before it (null when none was stored), which an
// email move leaves. Both come from the one lookup of the event key the apply makes.
struct AppliedUpsert {
  const EventEntry* event = nullptr;
  ContactEntry* attached_before = nullptr;
};

// Where an event key lives: its interned name, its key stripe, and the stored entry (null when
// none is stored). A live write finds it once under its locks and hands it to the apply.
struct EventKeyLookup {
  const std::string* name = nullptr;
  unsigned key_stripe = 0;
  EventEntry* entry = nullptr;
};

// Interns `event_name` and finds the key in `key_stripe`, which is EventStripe(event_name,
// external_id) (the caller has it already, to lock it). The caller holds that stripe.
EventKeyLookup FindEventKey(Workspace& ws, StringInterner& interner, unsigned key_stripe,
                            std::string_view event_name, std::string_view external_id);

// Applies one event upsert at `position` within the record with `lsn`, looking its key up.
AppliedUpsert ApplyEventUpsert(Workspace& ws, StringInterner& interner,
                               const schemas::EventUpsert& upsert, log::Lsn lsn, unsigned position);

// The same with the key already found (FindEventKey for the record's event_name and
// external_id) under the locks the caller still holds, so nothing changed it since: the apply
// hashes and probes the key again only to emplace an event that was not stored.
AppliedUpsert ApplyEventUpsert(Workspace& ws, StringInterner& interner,
                               const schemas::EventUpsert& upsert, log::Lsn lsn, unsigned position,
                               const EventKeyLookup& key);

// Erases the contact, the events attached to `email` and its timeline (D13); false when
// nothing is stored under `email`.
bool ApplyContactErasure(Workspace& ws, std::string_view email);

}  // namespace tally::engine
