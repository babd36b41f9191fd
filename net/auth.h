// Auth: turns an Authorization header, a workspace and a needed scope into allow or an exact
// 401/403 error (contract §2, reference §0.2).
//
// Order of checks: missing header → 401 "Authorization header is required"; not exactly
// "Bearer <token>" (split on single spaces, case-sensitive) → 401 "Invalid authorization header
// format"; unknown or revoked token → 401 "Invalid token". Then, per request, Authorize: a key
// for another workspace → 403 "API key is not authorized for workspace <id>"; a missing scope →
// 403 with Notifuse's permission message. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/key_set.h"

namespace tally::net {

struct AuthError {
  unsigned status = 0;  // 401 or 403
  std::string message;
};

// Who is calling: the verified key, or an error to send.
struct Principal {
  const ApiKeyRecord* key = nullptr;  // set when error.status == 0; owned by the KeySet
  AuthError error;
};

// `present` says whether the request carried an Authorization header; `header` is its value.
Principal Authenticate(const KeySet& keys, bool present, std::string_view header);

// 0-status AuthError when `key` may use `scope` in `workspace`.
AuthError Authorize(const ApiKeyRecord& key, std::string_view workspace, Scope scope);

}  // namespace tally::net
