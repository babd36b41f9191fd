// SegmentTimeZone: a segment's IANA time zone (D16), used to turn date-only timeframe values
// into whole local days.
//
// Zones come from the operating system's tz database (/usr/share/zoneinfo, read through Howard
// Hinnant's date/tz with USE_OS_TZDB). The header does not expose date/tz.h, so code that only
// carries a zone around need not include it.
// Value type (a pointer into the immutable tz database); thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/clock.h"
#include "log/result.h"

namespace date {
class time_zone;
}  // namespace date

namespace tally::engine {

// Notifuse stores the timezone in a VARCHAR(100).
inline constexpr std::size_t kSegmentTimeZoneBytesMax = 100;

class SegmentTimeZone {
 public:
  // The zone named `name` exactly as in the tz database ("America/New_York", "UTC"); an empty
  // name means UTC. kInvalidArgument "timezone must be 100 characters or less" or
  // "invalid timezone: <name>".
  static Result<SegmentTimeZone> Find(std::string_view name);

  std::string_view name() const;

  // The first instant, in µs since the epoch, of the local calendar day `civil_day` (days since
  // 1970-01-01 in the proleptic Gregorian calendar, so the next day is civil_day + 1). When
  // local midnight does not exist (a DST jump at midnight) the day starts at the jump; when it
  // occurs twice, at the first.
  TimeUs StartOfDay(std::int64_t civil_day) const;

 private:
  explicit SegmentTimeZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;  // never null; owned by the tz database, which lives forever
};

}  // namespace tally::engine
