#include "engine/string_interner.h"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace tally::engine {

// The calling thread's cache of interned strings, valid for the interner with id `owner` only:
// a thread that turns to another interner (tests open many engines) starts afresh, so a cache
// never hands out a string of an interner that is gone.
struct InternerThreadCache {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::uint64_t owner = 0;
  std::unordered_map<std::string_view, const std::string*, Hash, std::equal_to<>> strings;

  static InternerThreadCache& For(const StringInterner& interner) {
    thread_local InternerThreadCache cache;
    if (cache.owner != interner.id_) {
      cache.strings.clear();
      cache.owner = interner.id_;
    }
    return cache;
  }
};

namespace {
std::atomic<std::uint64_t> next_interner_id{1};
}  // namespace

StringInterner::StringInterner() : id_(next_interner_id.fetch_add(1)) {}

const std::string* StringInterner::Intern(std::string_view text) {
  InternerThreadCache& cache = InternerThreadCache::For(*this);
  if (const auto it = cache.strings.find(text); it != cache.strings.end()) return it->second;
  const std::string* interned = nullptr;
  {
    std::unique_lock lock(mu_);
    interned = &*strings_.emplace(text).first;
  }
  // The key views the interned copy, which lives as long as the interner.
  cache.strings.emplace(*interned, interned);
  return interned;
}

const std::string* StringInterner::Find(std::string_view text) const {
  InternerThreadCache& cache = InternerThreadCache::For(*this);
  if (const auto it = cache.strings.find(text); it != cache.strings.end()) return it->second;
  const std::string* found = nullptr;
  {
    std::shared_lock lock(mu_);
    const auto it = strings_.find(text);
    if (it == strings_.end()) return nullptr;
    found = &*it;
  }
  cache.strings.emplace(*found, found);
  return found;
}

}  // namespace tally::engine
