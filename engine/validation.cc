#include "engine/validation.h"

#include <cmath>

#include "engine/email.h"
#include "engine/engine.h"
#include "engine/goal_type.h"
#include "engine/money.h"

namespace tally::engine {
namespace {

using Failure = std::optional<std::string>;

constexpr std::string_view kInvalidRequest = "validation error: invalid request: ";
constexpr std::string_view kInvalidCustomEvent = "validation error: invalid custom event: ";

Status Invalid(std::string_view prefix, const std::string& message) {
  return Status::InvalidArgument(std::string(prefix) + message);
}

bool IsEventNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
         c == '-';
}

// Notifuse's event_name length and format rules (the regex is ^[a-z0-9_./-]+$).
Failure CheckEventName(std::string_view name) {
  if (name.size() > kEventNameBytesMax) return "event_name must be 100 characters or less";
  for (char c : name) {
    if (!IsEventNameChar(c)) {
      return "event_name must contain only lowercase letters, numbers, underscores, dots, and "
             "slashes";
    }
  }
  return std::nullopt;
}

// goal_type, then goal_value for the types that need one, then goal_name (reference §2.3).
Failure CheckGoalFields(const EventInput& input) {
  if (input.goal_type) {
    const auto type = ParseGoalType(*input.goal_type);
    if (!type) {
      return "goal_type must be one of: [purchase subscription lead signup booking trial other]";
    }
    if ((*type == GoalType::kPurchase || *type == GoalType::kSubscription) && !input.goal_value) {
      return "goal_value is required for goal_type '" + *input.goal_type + "'";
    }
  }
  if (input.goal_name && input.goal_name->size() > kGoalNameBytesMax) {
    return "goal_name must be 100 characters or less";
  }
  return std::nullopt;
}

// tally's limits beyond Notifuse's (D6, D8). Upsert has no source field (the server always
// stores "api"), so only an import checks the source it sent. Sets `cents` to goal_value
// rounded (D19) when it is within bounds, so that a write rounds once: the rounding prints the
// double (~600 instructions).
Failure CheckTallyLimits(const EventInput& input, std::string_view email, bool check_source,
                         std::optional<std::int64_t>& cents) {
  cents.reset();
  if (!IsValidEmail(email)) return "email must be a valid email address";
  if (input.integration_id && input.integration_id->size() > kIntegrationIdBytesMax) {
    return "integration_id must be 255 characters or less";
  }
  if (check_source && input.source && input.source->size() > kSourceBytesMax) {
    return "source must be 50 characters or less";
  }
  if (input.properties_json.size() > kPropertiesBytesMax) {
    return "properties must be 65536 bytes or less";
  }
  if (input.properties_depth > kPropertiesDepthMax) {
    return "properties must be nested 32 levels or less";
  }
  if (input.goal_value) {
    constexpr const char* kOutOfRange =
        "goal_value must be a finite number with absolute value less than 1e13";
    const double value = *input.goal_value;
    if (!std::isfinite(value) || std::fabs(value) >= kGoalValueAbsLimit) return kOutOfRange;
    const std::int64_t rounded = RoundToCents(value);
    if (std::llabs(rounded) >= kGoalValueCentsAbsLimit) return kOutOfRange;
    cents = rounded;
  }
  return std::nullopt;
}

Failure CheckOccurredAt(TimeUs occurred_at, TimeUs now) {
  if (occurred_at == kGoZeroTimeUs) return "occurred_at is required";
  if (occurred_at < 0 || occurred_at > now + kOccurredAtFutureMaxUs) {
    return "occurred_at must be between 1970-01-01 and 24 hours from now";
  }
  return std::nullopt;
}

// The values left to resolve once the input is valid (goal_value_cents is set by
// CheckTallyLimits).
void Resolve(const EventInput& input, TimeUs now, ResolvedEvent& out) {
  out.occurred_at = input.occurred_at.value_or(now);
  out.goal_type = input.goal_type ? *ParseGoalType(*input.goal_type) : GoalType::kNone;
}

}  // namespace

Status ValidateUpsert(std::string_view workspace_id, const EventInput& input, TimeUs now,
                      ResolvedEvent& resolved) {
  NormalizeEmailInto(input.email, resolved.email);
  const std::string& email = resolved.email;
  if (workspace_id.empty()) return Invalid(kInvalidRequest, "workspace_id is required");
  if (email.empty()) return Invalid(kInvalidRequest, "email is required");
  if (input.event_name.empty()) return Invalid(kInvalidRequest, "event_name is required");
  if (input.external_id.empty()) return Invalid(kInvalidRequest, "external_id is required");
  if (input.external_id.size() > kExternalIdBytesMax) {
    return Invalid(kInvalidRequest, "external_id must be 255 characters or less");
  }
  if (Failure f = CheckGoalFields(input)) return Invalid(kInvalidRequest, *f);
  if (Failure f = CheckTallyLimits(input, email, false, resolved.goal_value_cents)) {
    return Invalid(kInvalidRequest, *f);
  }
  if (Failure f = CheckEventName(input.event_name)) return Invalid(kInvalidCustomEvent, *f);
  const TimeUs occurred_at = input.occurred_at.value_or(now);
  if (Failure f = CheckOccurredAt(occurred_at, now)) return Invalid(kInvalidCustomEvent, *f);
  resolved.source.assign("api");
  Resolve(input, now, resolved);
  return Status::Ok();
}

Status ValidateImportRequest(std::string_view workspace_id, std::size_t event_count) {
  if (workspace_id.empty()) return Invalid(kInvalidRequest, "workspace_id is required");
  if (event_count == 0) return Invalid(kInvalidRequest, "events array cannot be empty");
  if (event_count > kImportEventsMax) {
    return Invalid(kInvalidRequest, "cannot import more than 50 events at once");
  }
  return Status::Ok();
}

Result<ResolvedEvent> ValidateImportElement(std::size_t index, const EventInput& input,
                                            TimeUs now) {
  if (input.external_id.empty()) {
    return Status::InvalidArgument("validation error: event at index " + std::to_string(index) +
                                   ": external_id is required");
  }
  const std::string prefix =
      "validation error: invalid event at index " + std::to_string(index) + ": ";
  std::string email = NormalizeEmail(input.email);
  const TimeUs occurred_at = input.occurred_at.value_or(now);
  std::optional<std::int64_t> cents;
  Failure f;
  if (input.external_id.size() > kExternalIdBytesMax) {
    f = "external_id must be 255 characters or less";
  } else if (email.empty()) {
    f = "email is required";
  } else if (input.event_name.empty()) {
    f = "event_name is required";
  } else if ((f = CheckEventName(input.event_name))) {
  } else if (occurred_at == kGoZeroTimeUs) {
    f = "occurred_at is required";
  } else if ((f = CheckGoalFields(input))) {
  } else if ((f = CheckTallyLimits(input, email, true, cents))) {
  } else {
    f = CheckOccurredAt(occurred_at, now);
  }
  if (f) return Invalid(prefix, *f);
  // Notifuse fills an empty source with "api"; any other string is kept (≤ 50 bytes, D8).
  ResolvedEvent out;
  out.email = std::move(email);
  out.source = input.source && !input.source->empty() ? *input.source : "api";
  out.goal_value_cents = cents;
  Resolve(input, now, out);
  return out;
}

}  // namespace tally::engine
