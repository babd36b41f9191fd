#include "net/response_encoder.h"

#include "log/assert.h"
#include "net/go_json.h"
#include "net/rfc3339.h"

namespace tally::net {
namespace {

// `"key":` — keys are our own ASCII constants and need no escaping.
void AppendKey(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

void AppendTime(std::string& out, engine::TimeUs t) {
  out += '"';
  AppendRfc3339(out, t);
  out += '"';
}

void AppendCount(std::string& out, std::size_t n) {
  out += std::to_string(n);
}

}  // namespace

std::string_view GoalTypeName(engine::GoalType type) {
  switch (type) {
    case engine::GoalType::kNone: return "";
    case engine::GoalType::kPurchase: return "purchase";
    case engine::GoalType::kSubscription: return "subscription";
    case engine::GoalType::kLead: return "lead";
    case engine::GoalType::kSignup: return "signup";
    case engine::GoalType::kBooking: return "booking";
    case engine::GoalType::kTrial: return "trial";
    case engine::GoalType::kOther: return "other";
  }
  TALLY_ASSERT_MSG(false, "unknown GoalType");
}

void AppendEvent(std::string& out, const engine::Event& e) {
  out += '{';
  AppendKey(out, "external_id");
  AppendJsonString(out, e.external_id);
  out += ',';
  AppendKey(out, "email");
  AppendJsonString(out, e.email);
  out += ',';
  AppendKey(out, "event_name");
  AppendJsonString(out, e.event_name);
  out += ',';
  AppendKey(out, "properties");
  // Stored compacted and HTML-escaped by the decoder (D19), so it is copied as it is.
  out += e.properties_json.empty() ? std::string_view("{}") : std::string_view(e.properties_json);
  out += ',';
  AppendKey(out, "occurred_at");
  AppendTime(out, e.occurred_at);
  out += ',';
  AppendKey(out, "source");
  AppendJsonString(out, e.source);
  if (e.integration_id) {
    out += ',';
    AppendKey(out, "integration_id");
    AppendJsonString(out, *e.integration_id);
  }
  if (e.goal_name) {
    out += ',';
    AppendKey(out, "goal_name");
    AppendJsonString(out, *e.goal_name);
  }
  if (e.goal_type != engine::GoalType::kNone) {
    out += ',';
    AppendKey(out, "goal_type");
    AppendJsonString(out, GoalTypeName(e.goal_type));
  }
  if (e.goal_value_cents) {
    out += ',';
    AppendKey(out, "goal_value");
    AppendCents(out, *e.goal_value_cents);
  }
  if (e.deleted_at) {
    out += ',';
    AppendKey(out, "deleted_at");
    AppendTime(out, *e.deleted_at);
  }
  out += ',';
  AppendKey(out, "created_at");
  AppendTime(out, e.created_at);
  out += ',';
  AppendKey(out, "updated_at");
  AppendTime(out, e.updated_at);
  out += '}';
}

void AppendTimelineEntry(std::string& out, const engine::TimelineEntry& t) {
  out += '{';
  AppendKey(out, "id");
  AppendJsonString(out, t.id);
  out += ',';
  AppendKey(out, "email");
  AppendJsonString(out, t.email);
  out += ',';
  AppendKey(out, "operation");
  AppendJsonString(out, t.operation);
  out += ',';
  AppendKey(out, "entity_type");
  AppendJsonString(out, t.entity_type);
  out += ',';
  AppendKey(out, "kind");
  AppendJsonString(out, t.kind);
  out += ',';
  AppendKey(out, "changes");
  out += t.changes_json.empty() ? std::string_view("null") : std::string_view(t.changes_json);
  if (t.entity_id) {
    out += ',';
    AppendKey(out, "entity_id");
    AppendJsonString(out, *t.entity_id);
  }
  out += ',';
  AppendKey(out, "created_at");
  AppendTime(out, t.created_at);
  out += ',';
  AppendKey(out, "db_created_at");
  AppendTime(out, t.db_created_at);
  out += '}';
}

std::string EncodeError(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
  out += "}\n";
  return out;
}

std::string EncodeImportErrors(std::string_view first,
                               const std::vector<engine::ImportElementError>& errors) {
  std::string out = "{\"error\":";
  AppendJsonString(out, first);
  out += ",\"errors\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += "{\"index\":";
    AppendCount(out, errors[i].index);
    out += ",\"error\":";
    AppendJsonString(out, errors[i].error);
    out += '}';
  }
  out += "]}\n";
  return out;
}

std::string EncodeEventResponse(const engine::Event& event) {
  std::string out;
  out.reserve(256 + event.properties_json.size());
  out += "{\"event\":";
  AppendEvent(out, event);
  out += "}\n";
  return out;
}

std::string EncodeEventListResponse(const std::vector<engine::Event>& events) {
  std::string out = "{\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    AppendEvent(out, events[i]);
  }
  out += "],\"count\":";
  AppendCount(out, events.size());
  out += "}\n";
  return out;
}

std::string EncodeImportResponse(const std::vector<std::string>& event_ids) {
  std::string out = "{\"event_ids\":[";
  for (std::size_t i = 0; i < event_ids.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    AppendJsonString(out, event_ids[i]);
  }
  out += "],\"count\":";
  AppendCount(out, event_ids.size());
  out += "}\n";
  return out;
}

std::string EncodeTimelineResponse(const engine::TimelinePage& page) {
  std::string out = "{\"timeline\":";
  if (page.entries.empty()) {
    // Notifuse's nil slice (reference §4.3); the console tolerates it.
    out += "null";
  } else {
    out += '[';
    for (std::size_t i = 0; i < page.entries.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      AppendTimelineEntry(out, page.entries[i]);
    }
    out += ']';
  }
  if (page.next_cursor) {
    out += ",\"next_cursor\":";
    AppendJsonString(out, *page.next_cursor);
  }
  out += "}\n";
  return out;
}

std::string EncodeContactResponse(const engine::Contact& c) {
  std::string out = "{\"contact\":{\"email\":";
  AppendJsonString(out, c.email);
  out += ",\"created_at\":";
  AppendTime(out, c.created_at);
  out += ",\"updated_at\":";
  AppendTime(out, c.updated_at);
  out += ",\"contact_lists\":[],\"contact_segments\":[";
  for (std::size_t i = 0; i < c.segments.size(); ++i) {
    const engine::ContactSegment& s = c.segments[i];
    if (i > 0) {
      out += ',';
    }
    out += "{\"email\":";
    AppendJsonString(out, c.email);
    out += ",\"segment_id\":";
    AppendJsonString(out, s.segment_id);
    out += ",\"version\":";
    out += std::to_string(s.version);
    out += ",\"matched_at\":";
    AppendTime(out, s.matched_at);
    out += ",\"computed_at\":";
    AppendTime(out, s.computed_at);
    out += '}';
  }
  out += "]}}\n";
  return out;
}

std::string EncodeSuccess() {
  return "{\"success\":true}\n";
}

}  // namespace tally::net
