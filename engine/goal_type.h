// GoalType names as they appear on the wire (reference §2.3).
//
// Pure functions, thread safe.
#pragma once

#include <optional>
#include <string_view>

#include "engine/model.h"

namespace tally::engine {

// "purchase", "subscription", ...; "" for kNone.
std::string_view GoalTypeName(GoalType type);

// The goal type named `name`, or nullopt when it is not one of the seven names.
std::optional<GoalType> ParseGoalType(std::string_view name);

}  // namespace tally::engine
