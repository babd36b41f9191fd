// KeyFile: reads and changes <data-dir>/keys.json, the API keys of `tally keys` and `serve`.
//
// Changes (Add, Revoke) take an exclusive flock on <data-dir>/keys.lock, read the current file,
// and replace it atomically (write a temporary file, fsync it, rename it over keys.json, fsync
// the directory), so a concurrent reader — a running server — sees either the old or the new
// set, never a torn one, and two concurrent `tally keys add` never lose a key. The file is mode
// 0600. Thread safety: the functions are safe to call concurrently from threads and processes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "log/result.h"
#include "net/key_set.h"

namespace tally::net {

inline constexpr std::string_view kKeysFileName = "keys.json";

std::filesystem::path KeysFilePath(const std::filesystem::path& data_dir);

// The keys in `data_dir`; an absent file is an empty set. kCorruption for a malformed file,
// kIoError when it cannot be read.
Result<KeySet> LoadKeys(const std::filesystem::path& data_dir);

// Mints and stores a key (creating data_dir if missing) and returns its token.
Result<MintedKey> AddKey(const std::filesystem::path& data_dir, std::string_view workspace,
                         std::uint8_t scopes);

// Removes the key with `id`; kNotFound when there is none.
Status RevokeKey(const std::filesystem::path& data_dir, std::string_view id);

}  // namespace tally::net
