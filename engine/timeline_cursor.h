// TimelineCursor: the opaque next_cursor of timeline.list, base64 (padded) of
// "<created_at µs>|<entry id>" of the last entry returned.
//
// Pure functions, thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/clock.h"

namespace tally::engine {

struct TimelineCursor {
  TimeUs created_at = 0;
  std::uint64_t id = 0;
};

std::string EncodeTimelineCursor(const TimelineCursor& cursor);

// nullopt when `text` is not a cursor EncodeTimelineCursor could have produced.
std::optional<TimelineCursor> DecodeTimelineCursor(std::string_view text);

}  // namespace tally::engine
