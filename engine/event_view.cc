#include "engine/event_view.h"

namespace tally::engine {

namespace {

// Assigns into an engaged optional's string (keeping its buffer), or empties the optional.
void AssignOptional(std::optional<std::string>& out, bool present, std::string_view text) {
  if (!present) {
    out.reset();
  } else if (out) {
    out->assign(text);
  } else {
    out.emplace(text);
  }
}

}  // namespace

Event ToEvent(const EventEntry& entry) {
  Event out;
  AssignEvent(entry, out);
  return out;
}

void AssignEvent(const EventEntry& entry, Event& out) {
  const EventState& ev = entry.second;
  out.external_id.assign(entry.first.external_id.view());
  out.email.assign(ev.contact->first);
  out.event_name.assign(*entry.first.event_name);
  out.properties_json.assign(ev.properties_json.view());
  out.occurred_at = ev.occurred_at;
  out.source.assign(*ev.source);
  AssignOptional(out.integration_id, ev.integration_id.present(), ev.integration_id.view());
  AssignOptional(out.goal_name, ev.goal_name != nullptr,
                 ev.goal_name != nullptr ? std::string_view(*ev.goal_name) : std::string_view());
  out.goal_type = ev.goal_type;
  out.goal_value_cents.reset();
  if (ev.goal_value_cents != kNoCents) out.goal_value_cents = ev.goal_value_cents;
  out.deleted_at.reset();
  if (!ev.live()) out.deleted_at = ev.deleted_at;
  out.created_at = ev.created_at;
  out.updated_at = ev.updated_at;
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
