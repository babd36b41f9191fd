// Time formatting for the JSON text the engine itself produces (timeline `changes`).
//
// Pure functions, thread safe.
#pragma once

#include <string>

#include "engine/clock.h"

namespace tally::engine {

// RFC 3339 in UTC with microsecond precision and trailing fractional zeros trimmed, the way
// the HTTP layer prints times (Go's RFC3339Nano): "2024-01-15T10:30:00Z",
// "2024-01-15T10:30:00.25Z".
std::string FormatRfc3339(TimeUs time);

}  // namespace tally::engine
