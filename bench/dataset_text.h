// DatasetText: the benchmark data set's events as text for other systems — PostgreSQL COPY
// rows of Notifuse's custom_events (column order of bench/pg/schema.sql) and customEvents.import
// elements (JSON) — appended to a caller's buffer. Formatting is by hand rather than through
// printf because bench/dataset_gen writes 10M events of it in seconds.
//
// Stateless free functions; safe to call from any thread on distinct buffers. The events must
// come from DatasetGenerator: plain ASCII strings without quotes, backslashes, tabs or
// newlines (asserted), occurred_at set, times at or after 1970.
#pragma once

#include <string>
#include <string_view>

#include "engine/clock.h"
#include "engine/model.h"

namespace tally::bench {

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (RFC 3339 in UTC, which PostgreSQL and tally both read).
void AppendRfc3339(std::string& out, engine::TimeUs at);

// A money value with exactly two decimals: -57.05, 45.00.
void AppendCents(std::string& out, double value);

// One COPY text row of custom_events, newline included: event_name, external_id, email,
// properties, occurred_at, source ("api"), integration_id, goal_name, goal_type, goal_value,
// deleted_at, created_at, updated_at; absent values are \N.
void AppendCopyRow(std::string& out, const engine::EventInput& e, std::string_view created_at);

// One customEvents.import element on one line, newline included; absent optional fields are
// left out.
void AppendImportElement(std::string& out, const engine::EventInput& e);

}  // namespace tally::bench
