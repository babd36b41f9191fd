// Numbered: "<prefix><n>", the engine tests' way of making distinct keys.
//
// Written out because `"k" + std::to_string(n)` trips a GCC 12 -Wrestrict false alarm.
#pragma once

#include <string>
#include <string_view>

namespace tally::engine {

inline std::string Numbered(std::string_view prefix, int n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

}  // namespace tally::engine
