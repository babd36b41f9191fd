// Forward declarations of the workspace state types (engine/workspace.h), for headers that
// only pass pointers to them. No thread-safety concerns: declarations only.
#pragma once

#include <cstddef>
#include <utility>

namespace tally::engine {

template <std::size_t kBytes>
class InlineKey;
using EmailKey = InlineKey<32>;
struct EventKey;
struct EventState;
struct ContactState;
using EventEntry = std::pair<const EventKey, EventState>;
using ContactEntry = std::pair<const EmailKey, ContactState>;

}  // namespace tally::engine
