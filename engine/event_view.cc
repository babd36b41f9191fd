#include "engine/event_view.h"

namespace tally::engine {

Event ToEvent(const EventEntry& entry) {
  const EventState& ev = entry.second;
  Event out;
  out.external_id = entry.first.external_id;
  out.email = ev.contact->first;
  out.event_name = *entry.first.event_name;
  out.properties_json = ev.properties_json.view();
  out.occurred_at = ev.occurred_at;
  out.source = *ev.source;
  if (ev.integration_id.present()) out.integration_id = ev.integration_id.view();
  if (ev.goal_name) out.goal_name = *ev.goal_name;
  out.goal_type = ev.goal_type;
  if (ev.goal_value_cents != kNoCents) out.goal_value_cents = ev.goal_value_cents;
  if (!ev.live()) out.deleted_at = ev.deleted_at;
  out.created_at = ev.created_at;
  out.updated_at = ev.updated_at;
  return out;
}

EventFields FieldsOf(const EventEntry& entry) {
  const EventState& ev = entry.second;
  EventFields f;
  f.event_name = *entry.first.event_name;
  f.external_id = entry.first.external_id;
  f.email = ev.contact->first;
  f.properties_json = ev.properties_json.view();
  f.occurred_at = ev.occurred_at;
  f.goal_type = ev.goal_type;
  if (ev.goal_value_cents != kNoCents) f.goal_value_cents = ev.goal_value_cents;
  if (ev.goal_name) f.goal_name = *ev.goal_name;
  if (!ev.live()) f.deleted_at = ev.deleted_at;
  return f;
}

}  // namespace tally::engine
