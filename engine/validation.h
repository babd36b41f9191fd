// Validation of customEvents writes (D5, D6, D8; reference §2.3/§2.4) before any side effect.
//
// Messages are Notifuse's exact strings with its prefixes; tally's extra limits use the same
// prefixes (docs/architecture.md lists every message). Pure functions, thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/clock.h"
#include "engine/model.h"
#include "log/result.h"
#include "log/status.h"

namespace tally::engine {

inline constexpr std::size_t kExternalIdBytesMax = 255;
inline constexpr std::size_t kEventNameBytesMax = 100;
inline constexpr std::size_t kGoalNameBytesMax = 100;
inline constexpr std::size_t kIntegrationIdBytesMax = 255;
inline constexpr std::size_t kSourceBytesMax = 50;
inline constexpr std::size_t kPropertiesBytesMax = 65536;
inline constexpr std::uint32_t kPropertiesDepthMax = 32;
inline constexpr std::size_t kImportEventsMax = 50;
inline constexpr TimeUs kOccurredAtFutureMaxUs = 24LL * 3600 * 1'000'000;  // now + 1 day
// Go's zero time.Time (0001-01-01T00:00:00Z), which Notifuse rejects as "occurred_at is required".
inline constexpr TimeUs kGoZeroTimeUs = -62'135'596'800'000'000;

// A valid input with every default resolved: the values that go into the log record besides
// the ones taken from EventInput as they are.
struct ResolvedEvent {
  std::string email;  // normalized (D6)
  TimeUs occurred_at = 0;
  std::string source;
  GoalType goal_type = GoalType::kNone;
  std::optional<std::int64_t> goal_value_cents;
};

// customEvents.upsert: kInvalidArgument "validation error: invalid request: ..." or
// "validation error: invalid custom event: ...". `now` fills an absent occurred_at. Fills
// `resolved` (meaningful only when Ok), reusing its strings' capacity: a thread that keeps one
// ResolvedEvent for its upserts allocates nothing here once it has grown.
Status ValidateUpsert(std::string_view workspace_id, const EventInput& input, TimeUs now,
                      ResolvedEvent& resolved);

// customEvents.import request level: workspace_id, empty array, more than kImportEventsMax.
Status ValidateImportRequest(std::string_view workspace_id, std::size_t event_count);

// One import element at `index`: "validation error: event at index <i>: external_id is required"
// or "validation error: invalid event at index <i>: <msg>" (CustomEvent.Validate order).
Result<ResolvedEvent> ValidateImportElement(std::size_t index, const EventInput& input, TimeUs now);

}  // namespace tally::engine
