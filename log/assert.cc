#include "log/assert.h"

#include <cstdio>
#include <cstdlib>

namespace tally::detail {

void AssertionFailed(const char* condition, const char* file, int line, const char* message) {
  // stderr is unbuffered, and one fprintf keeps the line whole when threads fail together.
  std::fprintf(stderr, "tally: assertion failed: %s at %s:%d%s%s\n", condition, file, line,
               message != nullptr ? ": " : "", message != nullptr ? message : "");
  std::abort();
}

}  // namespace tally::detail
