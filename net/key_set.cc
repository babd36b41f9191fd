#include "net/key_set.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <span>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <sys/random.h>
#include <xxhash.h>

#include "net/rfc3339.h"

namespace tally::net {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const std::uint8_t* bytes, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes exactly out.size() bytes of lowercase hex; false on any other input.
bool FromHex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != 2 * out.size()) {
    return false;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

KeyHash HashSecret(std::span<const std::uint8_t> secret, std::uint64_t salt) {
  XXH128_hash_t h = XXH3_128bits_withSeed(secret.data(), secret.size(), salt);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, h);
  KeyHash out;
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

bool ConstantTimeEqual(const KeyHash& a, const KeyHash& b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Status FillRandom(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Status::FromErrno(errno, "getrandom");
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("keys file: ") + std::string(what));
}

}  // namespace

Result<MintedKey> MintKey(std::string_view workspace, std::uint8_t scopes, engine::TimeUs now) {
  std::array<std::uint8_t, kKeyIdHexDigits / 2> id{};
  std::array<std::uint8_t, kKeySecretBytes> secret{};
  std::array<std::uint8_t, 8> salt{};
  TALLY_RETURN_IF_ERROR(FillRandom(id));
  TALLY_RETURN_IF_ERROR(FillRandom(secret));
  TALLY_RETURN_IF_ERROR(FillRandom(salt));
  MintedKey minted;
  minted.record.id = ToHex(id.data(), id.size());
  minted.record.workspace = std::string(workspace);
  minted.record.scopes = scopes;
  std::memcpy(&minted.record.salt, salt.data(), salt.size());
  minted.record.hash = HashSecret(secret, minted.record.salt);
  minted.record.created_at = now;
  minted.token = std::string(kTokenPrefix) + minted.record.id + ToHex(secret.data(), secret.size());
  TALLY_ASSERT(minted.token.size() == kTokenChars);
  return minted;
}

std::string ScopeNames(std::uint8_t scopes) {
  std::string out;
  for (auto [bit, name] : {std::pair{kScopeRead, "read"}, std::pair{kScopeWrite, "write"},
                           std::pair{kScopeAdmin, "admin"}}) {
    if (scopes & bit) {
      if (!out.empty()) {
        out += ',';
      }
      out += name;
    }
  }
  return out;
}

KeySet::KeySet(std::vector<ApiKeyRecord> records) : records_(std::move(records)) {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    by_id_[records_[i].id] = i;
  }
}

const ApiKeyRecord* KeySet::Verify(std::string_view token) const {
  if (token.size() != kTokenChars || !token.starts_with(kTokenPrefix)) {
    return nullptr;
  }
  std::string_view id = token.substr(kTokenPrefix.size(), kKeyIdHexDigits);
  std::array<std::uint8_t, kKeySecretBytes> secret{};
  if (!FromHex(token.substr(kTokenPrefix.size() + kKeyIdHexDigits), secret)) {
    return nullptr;
  }
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) {
    return nullptr;
  }
  const ApiKeyRecord& record = records_[it->second];
  return ConstantTimeEqual(HashSecret(secret, record.salt), record.hash) ? &record : nullptr;
}

std::string KeySet::ToJson() const {
  boost::json::array keys;
  for (const ApiKeyRecord& r : records_) {
    boost::json::array scopes;
    for (auto [bit, name] : {std::pair{kScopeRead, "read"}, std::pair{kScopeWrite, "write"},
                             std::pair{kScopeAdmin, "admin"}}) {
      if (r.scopes & bit) {
        scopes.emplace_back(name);
      }
    }
    std::array<std::uint8_t, 8> salt{};
    std::memcpy(salt.data(), &r.salt, salt.size());
    keys.push_back(boost::json::object{
        {"id", r.id},
        {"workspace", r.workspace},
        {"scopes", std::move(scopes)},
        {"salt", ToHex(salt.data(), salt.size())},
        {"hash", ToHex(r.hash.data(), r.hash.size())},
        {"created_at", FormatRfc3339(r.created_at)},
    });
  }
  return boost::json::serialize(boost::json::object{{"version", 1}, {"keys", std::move(keys)}}) +
         "\n";
}

Result<KeySet> KeySet::FromJson(std::string_view text) {
  boost::json::error_code ec;
  boost::json::value root =
      boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
  if (ec || !root.is_object()) {
    return Corrupt("not a JSON object");
  }
  const boost::json::value* keys = root.get_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return Corrupt("missing \"keys\" array");
  }
  std::vector<ApiKeyRecord> records;
  for (const boost::json::value& k : keys->get_array()) {
    const boost::json::object* o = k.if_object();
    const boost::json::value* id = o ? o->if_contains("id") : nullptr;
    const boost::json::value* ws = o ? o->if_contains("workspace") : nullptr;
    const boost::json::value* scopes = o ? o->if_contains("scopes") : nullptr;
    const boost::json::value* salt = o ? o->if_contains("salt") : nullptr;
    const boost::json::value* hash = o ? o->if_contains("hash") : nullptr;
    const boost::json::value* created = o ? o->if_contains("created_at") : nullptr;
    if (!id || !id->is_string() || id->get_string().size() != kKeyIdHexDigits || !ws ||
        !ws->is_string() || !scopes || !scopes->is_array() || !salt || !salt->is_string() ||
        !hash || !hash->is_string() || !created || !created->is_string()) {
      return Corrupt("a key entry lacks id, workspace, scopes, salt, hash or created_at");
    }
    ApiKeyRecord r;
    r.id = std::string(id->get_string());
    r.workspace = std::string(ws->get_string());
    for (const boost::json::value& s : scopes->get_array()) {
      std::string_view name = s.is_string() ? std::string_view(s.get_string()) : "";
      if (name == "read")
        r.scopes |= kScopeRead;
      else if (name == "write")
        r.scopes |= kScopeWrite;
      else if (name == "admin")
        r.scopes |= kScopeAdmin;
      else
        return Corrupt("key " + r.id + ": unknown scope");
    }
    std::array<std::uint8_t, 8> salt_bytes{};
    if (!FromHex(std::string_view(salt->get_string()), salt_bytes) ||
        !FromHex(std::string_view(hash->get_string()), r.hash)) {
      return Corrupt("key " + r.id + ": salt or hash is not hex");
    }
    std::memcpy(&r.salt, salt_bytes.data(), salt_bytes.size());
    Result<engine::TimeUs> t = ParseRfc3339(std::string_view(created->get_string()));
    if (!t.ok()) {
      return Corrupt("key " + r.id + ": created_at is not RFC 3339");
    }
    r.created_at = *t;
    records.push_back(std::move(r));
  }
  return KeySet(std::move(records));
}

}  // namespace tally::net
