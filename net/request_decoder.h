// Request body decoding for the write endpoints, the way Go's encoding/json decodes them for
// Notifuse (reference §0.1): unknown keys ignored, keys matched ASCII-case-insensitively (the
// last match wins, as in Go), only the first JSON value read, JSON null leaves a plain field
// unset. Anything Go would refuse — malformed JSON, a type mismatch, a time that is not
// RFC 3339 — is kInvalidArgument "Invalid request body". tally also refuses invalid UTF-8,
// non-finite numbers (1e400) and nesting deeper than kBodyNestingMax (D8).
//
// Properties keep their exact text, compacted as Go compacts a json.RawMessage (D19), and their
// nesting depth is measured for the engine's limit. Each call parses into its own monotonic
// arena, so decoding allocates little beyond the result. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model.h"
#include "log/result.h"

namespace tally::net {

// Deepest nesting of arrays/objects accepted in a body: the properties limit (32, D8, checked by
// the engine with its own message) plus the levels of the import envelope, with room to spare.
inline constexpr std::size_t kBodyNestingMax = 40;

inline constexpr std::string_view kInvalidRequestBody = "Invalid request body";

struct UpsertBody {
  std::string workspace_id;
  engine::EventInput event;
};

struct ImportBody {
  std::string workspace_id;
  // One entry per array element; a JSON null element is an empty EventInput whose index is also
  // listed in null_indexes (D12).
  std::vector<engine::EventInput> events;
  std::vector<std::size_t> null_indexes;
};

struct ContactBody {
  std::string workspace_id;
  std::string email;
};

Result<UpsertBody> DecodeUpsertBody(std::string_view body);
Result<ImportBody> DecodeImportBody(std::string_view body);
Result<ContactBody> DecodeContactBody(std::string_view body);

}  // namespace tally::net
