// Go-compatible JSON text: what Go's json.Encoder writes, so responses match Notifuse byte for
// byte (reference §0.1).
//
// - AppendJsonString: a quoted string with Go's escaping (", \, control characters, and the
//   HTML-safe escapes \u003c \u003e \u0026 plus \u2028 \u2029).
// - CompactJson: Go's compaction of raw JSON (json.RawMessage in an Encoder): insignificant white
//   space removed and the same HTML-safe escapes applied inside strings; every other byte,
//   including the text of numbers, is kept (D19).
// - AppendCents: an amount in hundredths as Go prints the float64 amount/100 (99.99, 100, -50).
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tally::net {

// `text` must be valid UTF-8 (request bodies are checked by the decoder).
void AppendJsonString(std::string& out, std::string_view text);

// `json` must be one syntactically valid JSON value.
std::string CompactJson(std::string_view json);

void AppendCents(std::string& out, std::int64_t cents);

}  // namespace tally::net
