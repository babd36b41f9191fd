// Goal index: a contact's GoalSeries slots, one per (goal type, goal name) and per
// (any goal type, goal name), each with and without the name, so that every aggregate the API
// allows is answered by one series in O(log n); and the contact's rows in its stripe's goal
// columns (engine/goal_columns.h) and its events in the stripe's goal event buckets
// (engine/goal_event_buckets.h), kept exact with the series.
//
// Thread safety: none; the caller holds the contact's stripe (exclusively to change it).
#pragma once

#include <optional>
#include <string>

#include "engine/goal_series.h"
#include "engine/model.h"
#include "engine/workspace.h"

namespace tally::engine {

// Adds a live goal event (goal_type != kNone) of `contact` to every slot it belongs to and to
// the rows of its goal type and of any goal type in `stripe`, the contact's stripe, and to
// the goal type's event buckets.
void AddGoalEvent(Stripe& stripe, ContactEntry& contact, const EventState& event);

// Removes what AddGoalEvent added, dropping slots and rows that become empty.
void RemoveGoalEvent(Stripe& stripe, ContactEntry& contact, const EventState& event);

// Frees the contact's rows in its stripe's goal columns and drops its events from the event
// buckets, before the contact is erased (its events may already be gone: the rows say where
// their copies are).
void RemoveContactGoalRows(Stripe& stripe, ContactState& contact);

// The series for goal_type (nullopt: any) and goal_name (null: any name), or null when the
// contact has no such events.
const GoalSeries* FindGoalSeries(const ContactState& contact, std::optional<GoalType> goal_type,
                                 const std::string* goal_name);

}  // namespace tally::engine
