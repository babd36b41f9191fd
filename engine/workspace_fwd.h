// Forward declarations of the workspace state types (engine/workspace.h), for headers that
// only pass pointers to them. No thread-safety concerns: declarations only.
#pragma once

#include <string>
#include <utility>

namespace tally::engine {

class EmailKey;
struct EventKey;
struct EventState;
struct ContactState;
using EventEntry = std::pair<const EventKey, EventState>;
using ContactEntry = std::pair<const EmailKey, ContactState>;

}  // namespace tally::engine
