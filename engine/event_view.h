// Conversions from stored event state to the values the engine hands out.
//
// Callers hold a lock that guards the event (its key stripe or its contact's stripe, see
// engine/workspace.h); the results own their data and outlive the lock.
#pragma once

#include "engine/changes_json.h"
#include "engine/model.h"
#include "engine/workspace.h"

namespace tally::engine {

Event ToEvent(const EventEntry& entry);

// ToEvent written into `out`, replacing every field and reusing its strings' capacity, so that
// a caller that keeps one Event allocates nothing once it has grown.
void AssignEvent(const EventEntry& entry, Event& out);

// Views into `entry`, valid while it is neither changed nor erased.
EventFields FieldsOf(const EventEntry& entry);

}  // namespace tally::engine
