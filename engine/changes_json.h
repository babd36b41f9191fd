// Timeline `changes` objects for custom events (reference §4.2 and D14), built with Boost.JSON.
//
// Insert: event_name, external_id, goal_type/goal_value/goal_name when set, deleted_at when
// set, and properties {"new": <object>}. Update (also delete/restore): properties as a per-key
// diff {"k":{"old":v|null,"new":v|null}} over keys whose JSON value differs ({} when none),
// occurred_at {old,new} always, and goal_type/goal_value/goal_name, deleted_at and email as
// {old,new} when they change. Times are RFC 3339 UTC text; goal_value a decimal number.
// Pure functions, thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/clock.h"
#include "engine/model.h"

namespace tally::engine {

// The fields of an event that `changes` can mention, viewed (not owned).
struct EventFields {
  std::string_view event_name;
  std::string_view external_id;
  std::string_view email;
  std::string_view properties_json;
  TimeUs occurred_at = 0;
  GoalType goal_type = GoalType::kNone;
  std::optional<std::int64_t> goal_value_cents;
  std::optional<std::string_view> goal_name;
  std::optional<TimeUs> deleted_at;
};

std::string InsertChangesJson(const EventFields& event);
std::string UpdateChangesJson(const EventFields& before, const EventFields& after);

}  // namespace tally::engine
