// TALLY_ASSERT: invariant checks that stay on in release builds.
//
// An assertion states something that can only be false through a programmer error (a log
// offset out of bounds, LSNs out of order, a lock not held). Expected failures (bad input,
// full disk, I/O errors) are returned as Status instead. A failed assertion prints the
// condition, file, line and an optional message to stderr and aborts, so that a crash dump
// and the log still describe the broken state. Thread safe.
#pragma once

namespace tally::detail {

[[noreturn]] void AssertionFailed(const char* condition, const char* file, int line,
                                  const char* message);

}  // namespace tally::detail

#define TALLY_ASSERT(condition)                                                  \
  do {                                                                           \
    if (__builtin_expect(!(condition), 0)) {                                     \
      ::tally::detail::AssertionFailed(#condition, __FILE__, __LINE__, nullptr); \
    }                                                                            \
  } while (0)

#define TALLY_ASSERT_MSG(condition, message)                                       \
  do {                                                                             \
    if (__builtin_expect(!(condition), 0)) {                                       \
      ::tally::detail::AssertionFailed(#condition, __FILE__, __LINE__, (message)); \
    }                                                                              \
  } while (0)
