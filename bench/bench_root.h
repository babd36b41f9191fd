// BenchRoot: where a benchmark keeps its logs and snapshots — $TALLY_BENCH_DIR when set (so a run
// can be pointed at another disk), else /tmp/<fallback>.
// Pure function of the environment; safe from any thread.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace tally::bench {

inline std::filesystem::path BenchRoot(std::string_view fallback) {
  const char* dir = std::getenv("TALLY_BENCH_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path("/tmp") / fallback;
}

}  // namespace tally::bench
