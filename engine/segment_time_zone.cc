#include "engine/segment_time_zone.h"

#include <chrono>
#include <stdexcept>
#include <string>

#include <date/tz.h>

#include "log/assert.h"

namespace tally::engine {

Result<SegmentTimeZone> SegmentTimeZone::Find(std::string_view name) {
  if (name.size() > kSegmentTimeZoneBytesMax) {
    return Status::InvalidArgument("timezone must be 100 characters or less");
  }
  const std::string_view lookup = name.empty() ? std::string_view("UTC") : name;
  try {
    return SegmentTimeZone(date::locate_zone(lookup));
  } catch (const std::runtime_error&) {
    // date/tz reports an unknown name (and an unreadable database) only by throwing.
    return Status::InvalidArgument("invalid timezone: " + std::string(name));
  }
}

std::string_view SegmentTimeZone::name() const {
  return zone_->name();
}

TimeUs SegmentTimeZone::StartOfDay(std::int64_t civil_day) const {
  // date-only values are 0000-01-01..9999-12-31, far inside what date/tz can convert.
  TALLY_ASSERT(civil_day > -800'000 && civil_day < 3'000'000);
  const date::local_days day{date::days{civil_day}};
  const auto start = zone_->to_sys(day, date::choose::earliest);
  return std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch()).count();
}

}  // namespace tally::engine
