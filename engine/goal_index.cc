#include "engine/goal_index.h"

#include <algorithm>
#include <array>

#include "engine/money.h"
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

// The two columns an event counts in: any goal type, and its own.
std::array<std::size_t, 2> ColumnsOf(const EventState& event) {
  return {kAnyGoalColumn, GoalColumnIndex(event.goal_type)};
}

std::uint8_t SlotTypeOfColumn(std::size_t column) {
  return column == kAnyGoalColumn ? kAnyGoalType : static_cast<std::uint8_t>(column);
}

// Slots live in a vector that moves when it grows or shrinks, so after such a change (and
// when a row is new) each row of the contact is pointed at its series again.
void RepointRows(Stripe& stripe, ContactState& contact) {
  for (std::size_t c = 0; c < kGoalColumnCount; ++c) {
    const std::uint32_t row_plus_one = contact.goal_rows[c];
    if (row_plus_one == 0) continue;
    GoalSeriesSlot* slot = FindSlot(contact, SlotTypeOfColumn(c), nullptr);
    TALLY_ASSERT(slot != nullptr && !slot->series.empty());
    stripe.goal_columns.columns[c].refs[row_plus_one - 1].series = &slot->series;
  }
}

}  // namespace

void AddGoalEvent(Stripe& stripe, ContactEntry& entry, const EventState& event) {
  TALLY_ASSERT(event.live() && event.goal_type != GoalType::kNone);
  TALLY_ASSERT(event.contact == &entry);
  // Range sums (engine/goal_range_aggregates.h) rely on the bound RoundToCents keeps.
  TALLY_ASSERT(event.goal_value_cents == kNoCents ||
               (event.goal_value_cents >= -kGoalValueCentsAbsLimit &&
                event.goal_value_cents <= kGoalValueCentsAbsLimit));
  ContactState& contact = entry.second;
  const GoalSeriesSlot* const slots_before = contact.series.data();
  std::size_t count = 0;
  const auto keys = SlotKeys(event, &count);
  for (std::size_t i = 0; i < count; ++i) {
    GoalSeriesSlot* slot = FindSlot(contact, keys[i].first, keys[i].second);
    if (slot == nullptr) {
      contact.series.push_back(GoalSeriesSlot{keys[i].first, keys[i].second, GoalSeries()});
      slot = &contact.series.back();
    }
    slot->series.Insert(event.occurred_at, Cents(event));
  }
  // The rows' series pointers change only with a new row or moved slots; rewriting them
  // otherwise would touch a line of every column the event counts in for nothing.
  bool repoint = contact.series.data() != slots_before;
  for (const std::size_t c : ColumnsOf(event)) {
    GoalColumn& column = stripe.goal_columns.columns[c];
    std::uint32_t& row_plus_one = contact.goal_rows[c];
    if (row_plus_one == 0) {
      row_plus_one = column.Allocate(entry) + 1;
      repoint = true;
    }
    column.AddEvent(row_plus_one - 1, event.occurred_at, Cents(event));
  }
  const std::size_t type_column = GoalColumnIndex(event.goal_type);
  stripe.goal_columns.events[type_column].Insert(event.occurred_at, event.goal_value_cents,
                                                 contact.goal_rows[type_column] - 1,
                                                 contact.goal_rows[kAnyGoalColumn] - 1);
  if (repoint) RepointRows(stripe, contact);
}

void RemoveGoalEvent(Stripe& stripe, ContactEntry& entry, const EventState& event) {
  TALLY_ASSERT(event.live() && event.goal_type != GoalType::kNone);
  ContactState& contact = entry.second;
  std::size_t count = 0;
  const auto keys = SlotKeys(event, &count);
  for (std::size_t i = 0; i < count; ++i) {
    GoalSeriesSlot* slot = FindSlot(contact, keys[i].first, keys[i].second);
    TALLY_ASSERT(slot != nullptr);
    slot->series.Erase(event.occurred_at, Cents(event));
  }
  // The event's rows are still held: a row is freed only with its last event, below.
  const std::size_t type_column = GoalColumnIndex(event.goal_type);
  TALLY_ASSERT(contact.goal_rows[type_column] != 0);
  stripe.goal_columns.events[type_column].Erase(event.occurred_at, event.goal_value_cents,
                                                contact.goal_rows[type_column] - 1);
  // The rows read the series as they are now, before empty slots are dropped.
  for (const std::size_t c : ColumnsOf(event)) {
    std::uint32_t& row_plus_one = contact.goal_rows[c];
    TALLY_ASSERT(row_plus_one != 0);
    const GoalSeriesSlot* slot = FindSlot(contact, SlotTypeOfColumn(c), nullptr);
    TALLY_ASSERT(slot != nullptr);
    if (!stripe.goal_columns.columns[c].RemoveEvent(row_plus_one - 1, event.occurred_at,
                                                    Cents(event), slot->series)) {
      row_plus_one = 0;
    }
  }
  std::erase_if(contact.series, [](const GoalSeriesSlot& s) { return s.series.empty(); });
  RepointRows(stripe, contact);
}

void RemoveContactGoalRows(Stripe& stripe, ContactState& contact) {
  for (std::size_t c = 0; c < kGoalColumnCount; ++c) {
    std::uint32_t& row_plus_one = contact.goal_rows[c];
    if (row_plus_one == 0) continue;
    GoalColumn& column = stripe.goal_columns.columns[c];
    const std::uint32_t row = row_plus_one - 1;
    if (c != kAnyGoalColumn) {
      // The contact's events of this type leave the buckets before the row can be reused.
      const GoalRow& r = column.rows[row];
      stripe.goal_columns.events[c].EraseRow(row, r.oldest, r.newest, r.count);
    }
    column.Free(row);
    row_plus_one = 0;
  }
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
