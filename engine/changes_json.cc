#include "engine/changes_json.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include <boost/json.hpp>

#include "engine/goal_type.h"
#include "engine/money.h"
#include "engine/time_format.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

namespace json = boost::json;

// Writes `value` as JSON text. Boost's own serializer prints doubles in exponent form (99.99
// as 9.999E1); clients expect the shortest plain decimal, which std::to_chars gives.
void AppendJson(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::double_: {
      char buf[64];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.get_double());
      TALLY_ASSERT(ec == std::errc());
      out.append(buf, end);
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(member.key()));
        out += ':';
        AppendJson(member.value(), out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendJson(element, out);
      }
      out += ']';
      return;
    }
    default: out += json::serialize(value);
  }
}

std::string JsonText(const json::value& value) {
  std::string out;
  AppendJson(value, out);
  return out;
}

// Properties are stored as the client's raw text, which the HTTP layer has checked to be a
// JSON object; anything else (only possible through the C++ API) diffs as an empty object.
json::object ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_object()) return {};
  return std::move(value.get_object());
}

json::value GoalValue(std::optional<std::int64_t> cents) {
  if (!cents) return nullptr;
  // cents/100 is the double nearest the client's decimal; its shortest text is that decimal.
  if (*cents % 100 == 0) return *cents / 100;
  return static_cast<double>(*cents) / 100.0;
}

json::value OptionalTime(std::optional<TimeUs> time) {
  if (!time) return nullptr;
  return json::string(FormatRfc3339(*time));
}

json::value OptionalString(std::optional<std::string_view> text) {
  if (!text) return nullptr;
  return json::string(json::string_view(text->data(), text->size()));
}

json::value GoalTypeValue(GoalType type) {
  if (type == GoalType::kNone) return nullptr;
  const std::string_view name = GoalTypeName(type);
  return json::string(json::string_view(name.data(), name.size()));
}

json::object Change(json::value old_value, json::value new_value) {
  json::object change;
  change["old"] = std::move(old_value);
  change["new"] = std::move(new_value);
  return change;
}

json::object NewOnly(json::value new_value) {
  json::object change;
  change["new"] = std::move(new_value);
  return change;
}

// Keys whose values differ, added keys and removed keys, in ascending key order.
json::object PropertiesDiff(std::string_view before_text, std::string_view after_text) {
  const json::object before = ParseObject(before_text);
  const json::object after = ParseObject(after_text);
  std::vector<json::string_view> keys;
  for (const auto& member : before) keys.push_back(member.key());
  for (const auto& member : after) {
    if (!before.contains(member.key())) keys.push_back(member.key());
  }
  std::sort(keys.begin(), keys.end());
  json::object diff;
  for (const json::string_view key : keys) {
    const json::value* old_value = before.if_contains(key);
    const json::value* new_value = after.if_contains(key);
    if (old_value && new_value && *old_value == *new_value) continue;
    diff[key] = Change(old_value ? *old_value : json::value(nullptr),
                       new_value ? *new_value : json::value(nullptr));
  }
  return diff;
}

}  // namespace

std::string InsertChangesJson(const EventFields& event) {
  json::object changes;
  changes["event_name"] = NewOnly(OptionalString(event.event_name));
  changes["external_id"] = NewOnly(OptionalString(event.external_id));
  if (event.goal_type != GoalType::kNone)
    changes["goal_type"] = NewOnly(GoalTypeValue(event.goal_type));
  if (event.goal_value_cents) changes["goal_value"] = NewOnly(GoalValue(event.goal_value_cents));
  if (event.goal_name) changes["goal_name"] = NewOnly(OptionalString(event.goal_name));
  if (event.deleted_at) changes["deleted_at"] = NewOnly(OptionalTime(event.deleted_at));
  changes["properties"] = NewOnly(ParseObject(event.properties_json));
  return JsonText(changes);
}

std::string UpdateChangesJson(const EventFields& before, const EventFields& after) {
  json::object changes;
  changes["properties"] = PropertiesDiff(before.properties_json, after.properties_json);
  changes["occurred_at"] =
      Change(OptionalTime(before.occurred_at), OptionalTime(after.occurred_at));
  if (before.goal_type != after.goal_type) {
    changes["goal_type"] = Change(GoalTypeValue(before.goal_type), GoalTypeValue(after.goal_type));
  }
  if (before.goal_value_cents != after.goal_value_cents) {
    changes["goal_value"] =
        Change(GoalValue(before.goal_value_cents), GoalValue(after.goal_value_cents));
  }
  if (before.goal_name != after.goal_name) {
    changes["goal_name"] =
        Change(OptionalString(before.goal_name), OptionalString(after.goal_name));
  }
  if (before.deleted_at != after.deleted_at) {
    changes["deleted_at"] = Change(OptionalTime(before.deleted_at), OptionalTime(after.deleted_at));
  }
  if (before.email != after.email) {
    changes["email"] = Change(OptionalString(before.email), OptionalString(after.email));
  }
  return JsonText(changes);
}

}  // namespace tally::engine
