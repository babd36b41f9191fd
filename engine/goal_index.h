// Goal index: a contact's GoalSeries slots, one per (goal type, goal name) and per
// (any goal type, goal name), each with and without the name, so that every aggregate the API
// allows is answered by one series in O(log n).
//
// Thread safety: none; the caller holds the contact's stripe (exclusively to change it).
#pragma once

#include <optional>
#include <string>

#include "engine/goal_series.h"
#include "engine/model.h"
#include "engine/workspace.h"

namespace tally::engine {

// Adds a live goal event (goal_type != kNone) to every slot it belongs to.
void AddGoalEvent(ContactState& contact, const EventState& event);

// Removes what AddGoalEvent added, dropping slots that become empty.
void RemoveGoalEvent(ContactState& contact, const EventState& event);

// The series for goal_type (nullopt: any) and goal_name (null: any name), or null when the
// contact has no such events.
const GoalSeries* FindGoalSeries(const ContactState& contact, std::optional<GoalType> goal_type,
                                 const std::string* goal_name);

}  // namespace tally::engine
