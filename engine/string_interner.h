// StringInterner: one shared copy of each repeated string (event names, sources, goal names).
//
// Interned strings live as long as the interner and never move, so the engine stores
// `const std::string*` in place of a copy per event and compares names by pointer.
// Thread safety: Intern and Find may be called from any thread; a shared_mutex guards the set.
// The returned strings are immutable, so reading them needs no lock. Each thread also keeps a
// private cache of the strings it has looked up in the interner it used last, so the hot path
// touches no shared cache line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tally::engine {

class StringInterner {
 public:
  StringInterner();
  StringInterner(const StringInterner&) = delete;
  StringInterner& operator=(const StringInterner&) = delete;

  // The interned copy of `text`, inserting it on first use.
  const std::string* Intern(std::string_view text);

  // The interned copy of `text`, or null when it was never interned.
  const std::string* Find(std::string_view text) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  friend struct InternerThreadCache;
  const std::uint64_t id_;  // distinguishes interners in the thread caches; never reused
  mutable std::shared_mutex mu_;
  std::unordered_set<std::string, Hash, std::equal_to<>> strings_;  // node-based: stable
};

}  // namespace tally::engine
