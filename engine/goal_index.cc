#include "engine/goal_index.h"

#include <algorithm>
#include <array>

#include "log/assert.h"

namespace tally::engine {
namespace {

// The (type, name) slot keys of one event: its type and "any", each with and without its name.
std::array<std::pair<std::uint8_t, const std::string*>, 4> SlotKeys(const EventState& event,
                                                                    std::size_t* count) {
  const auto type = static_cast<std::uint8_t>(event.goal_type);
  std::array<std::pair<std::uint8_t, const std::string*>, 4> keys = {
      {{type, nullptr},
       {kAnyGoalType, nullptr},
       {type, event.goal_name},
       {kAnyGoalType, event.goal_name}}};
  *count = event.goal_name ? 4 : 2;
  return keys;
}

GoalSeriesSlot* FindSlot(ContactState& contact, std::uint8_t type, const std::string* name) {
  for (GoalSeriesSlot& slot : contact.series) {
    if (slot.goal_type == type && slot.goal_name == name) return &slot;
  }
  return nullptr;
}

std::optional<std::int64_t> Cents(const EventState& event) {
  if (event.goal_value_cents == kNoCents) return std::nullopt;
  return event.goal_value_cents;
}

}  // namespace

void AddGoalEvent(ContactState& contact, const EventState& event) {
  TALLY_ASSERT(event.live() && event.goal_type != GoalType::kNone);
  std::size_t count = 0;
  const auto keys = SlotKeys(event, &count);
  for (std::size_t i = 0; i < count; ++i) {
    GoalSeriesSlot* slot = FindSlot(contact, keys[i].first, keys[i].second);
    if (slot == nullptr) {
      contact.series.push_back(GoalSeriesSlot{keys[i].first, keys[i].second, GoalSeries()});
      slot = &contact.series.back();
    }
    slot->series.Insert(event.occurred_at, event.seq, Cents(event));
  }
}

void RemoveGoalEvent(ContactState& contact, const EventState& event) {
  TALLY_ASSERT(event.live() && event.goal_type != GoalType::kNone);
  std::size_t count = 0;
  const auto keys = SlotKeys(event, &count);
  for (std::size_t i = 0; i < count; ++i) {
    GoalSeriesSlot* slot = FindSlot(contact, keys[i].first, keys[i].second);
    TALLY_ASSERT(slot != nullptr);
    slot->series.Erase(event.occurred_at, event.seq);
  }
  std::erase_if(contact.series, [](const GoalSeriesSlot& s) { return s.series.empty(); });
}

const GoalSeries* FindGoalSeries(const ContactState& contact, std::optional<GoalType> goal_type,
                                 const std::string* goal_name) {
  const std::uint8_t type = goal_type ? static_cast<std::uint8_t>(*goal_type) : kAnyGoalType;
  for (const GoalSeriesSlot& slot : contact.series) {
    if (slot.goal_type == type && slot.goal_name == goal_name) return &slot.series;
  }
  return nullptr;
}

}  // namespace tally::engine
