// Query: the path and decoded query parameters of a request target, parsed with Boost.URL.
// Get(name) returns the first value, as Go's url.Values.Get does. A value type; not
// synchronized.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "log/result.h"

namespace tally::net {

class Query {
 public:
  // kInvalidArgument when `target` is not a valid origin-form target.
  static Result<Query> Parse(std::string_view target);

  const std::string& path() const { return path_; }
  // The first value of `name`, or "" when absent (Go's Get).
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> params_;
};

// Parses a base-10 integer that is the whole of `text`; nullopt otherwise (Go's strconv.Atoi).
std::optional<std::int64_t> ParseInteger(std::string_view text);

}  // namespace tally::net
