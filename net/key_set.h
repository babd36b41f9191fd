// KeySet: an immutable set of API keys as stored in <data-dir>/keys.json, and the token format.
//
// A token is "tly_" + 16 hex digits of public key id + 64 hex digits of a 32-byte random secret.
// Only a hash of the secret is stored: XXH3-128 seeded with a per-key random 64-bit salt. The
// secret is 256 random bits, so the hash needs no stretching; the salt makes equal secrets (which
// never happen) and precomputed tables useless. Verification looks the id up (O(1)) and compares
// the 16-byte hashes in constant time.
//
// Thread safety: a KeySet is immutable after construction and may be shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/clock.h"
#include "log/result.h"

namespace tally::net {

enum Scope : std::uint8_t {
  kScopeRead = 1,
  kScopeWrite = 2,
  kScopeAdmin = 4,
};

inline constexpr std::string_view kTokenPrefix = "tly_";
inline constexpr std::size_t kKeyIdHexDigits = 16;
inline constexpr std::size_t kKeySecretBytes = 32;
inline constexpr std::size_t kTokenChars =
    kTokenPrefix.size() + kKeyIdHexDigits + 2 * kKeySecretBytes;

using KeyHash = std::array<std::uint8_t, 16>;

struct ApiKeyRecord {
  std::string id;  // 16 hex digits, public
  std::string workspace;
  std::uint8_t scopes = 0;  // Scope bits
  std::uint64_t salt = 0;
  KeyHash hash{};
  engine::TimeUs created_at = 0;
};

// A freshly minted key: the record to store and the token to show once.
struct MintedKey {
  ApiKeyRecord record;
  std::string token;
};

// Creates a key for `workspace` with `scopes` from getrandom(2). kIoError if the kernel's
// random source fails.
Result<MintedKey> MintKey(std::string_view workspace, std::uint8_t scopes, engine::TimeUs now);

// "read,write,admin" style text of a Scope bit set.
std::string ScopeNames(std::uint8_t scopes);

class KeySet {
 public:
  KeySet() = default;
  explicit KeySet(std::vector<ApiKeyRecord> records);

  // The record whose secret `token` carries, or nullptr when the token is malformed, unknown
  // or revoked. Constant time in the secret's bytes.
  const ApiKeyRecord* Verify(std::string_view token) const;

  const std::vector<ApiKeyRecord>& records() const { return records_; }

  // keys.json text, and back. Parse fails with kCorruption naming what is wrong.
  std::string ToJson() const;
  static Result<KeySet> FromJson(std::string_view text);

 private:
  std::vector<ApiKeyRecord> records_;
  std::unordered_map<std::string, std::size_t> by_id_;  // id -> index in records_
};

}  // namespace tally::net
