// RFC 3339 time text as Notifuse puts it on the wire (reference §0.1, §2.5).
//
// Parsing follows Go's time.Time JSON decoding: the strict layout
// 2006-01-02T15:04:05[.fraction](Z|±hh:mm), at most 9 fractional digits. Formatting follows
// Go's RFC3339Nano in UTC: fractional zeros trimmed, "Z" as the zone. Times are TimeUs
// (microseconds since the Unix epoch). Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "engine/clock.h"
#include "log/result.h"

namespace tally::net {

// Parses `text` (without quotes). Sub-microsecond digits are rounded half up to the nearest
// microsecond, as PostgreSQL's TIMESTAMPTZ does. kInvalidArgument for anything Go rejects.
Result<engine::TimeUs> ParseRfc3339(std::string_view text);

// Appends the RFC3339Nano form of `time_us` in UTC (without quotes) to `out`.
void AppendRfc3339(std::string& out, engine::TimeUs time_us);

std::string FormatRfc3339(engine::TimeUs time_us);

}  // namespace tally::net
