// Email: the one place that decides what an email looks like to the engine (D6).
//
// NormalizeEmail (declared in engine/engine.h, defined in email.cc) trims and lower-cases;
// NormalizeEmailInto does the same into a caller's buffer; IsValidEmail checks the shape of an
// already normalized email. Pure functions, thread safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tally::engine {

inline constexpr std::size_t kEmailBytesMax = 255;

// True when `email` (normalized) is local@domain with both parts non-empty, at most
// kEmailBytesMax bytes, and no ASCII white space or control characters anywhere.
bool IsValidEmail(std::string_view email);

// NormalizeEmail written into `out`, replacing its content and reusing its capacity, so that a
// caller that keeps one buffer (a thread's upsert scratch) allocates nothing once it has grown.
void NormalizeEmailInto(std::string_view email, std::string& out);

}  // namespace tally::engine
