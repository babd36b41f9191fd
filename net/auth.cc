#include "net/auth.h"

namespace tally::net {

Principal Authenticate(const KeySet& keys, bool present, std::string_view header) {
  Principal p;
  if (!present) {
    p.error = {401, "Authorization header is required"};
    return p;
  }
  // Go's strings.Split(header, " ") must give exactly ["Bearer", token].
  std::size_t space = header.find(' ');
  if (space == std::string_view::npos || header.substr(0, space) != "Bearer" ||
      header.find(' ', space + 1) != std::string_view::npos) {
    p.error = {401, "Invalid authorization header format"};
    return p;
  }
  p.key = keys.Verify(header.substr(space + 1));
  if (p.key == nullptr) {
    p.error = {401, "Invalid token"};
  }
  return p;
}

AuthError Authorize(const ApiKeyRecord& key, std::string_view workspace, Scope scope) {
  if (key.workspace != workspace) {
    return {403, "API key is not authorized for workspace " + std::string(workspace)};
  }
  if ((key.scopes & scope) != 0) {
    return {};
  }
  switch (scope) {
    case kScopeRead: return {403, "Insufficient permissions: read access to contacts required"};
    case kScopeWrite:
      return {403, "Insufficient permissions: write access to contacts required for custom events"};
    case kScopeAdmin: return {403, "Insufficient permissions: admin access required"};
  }
  return {403, "Insufficient permissions"};
}

}  // namespace tally::net
