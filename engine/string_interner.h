// StringInterner: one shared copy of each repeated string (event names, sources, goal names).
//
// Interned strings live as long as the interner and never move, so the engine stores
// `const std::string*` in place of a copy per event and compares names by pointer.
// Thread safety: Intern and Find may be called from any thread. Lookups take no lock: they
// probe an open-addressing table of atomic pointers (names are few and never removed), so
// concurrent writers share no lock and no written cache line on the hot path. Only the
// insertion of a new string takes `mu_`; a table that fills up is replaced by a larger copy,
// and the old one is kept until the interner dies, because a reader may still be probing it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tally::engine {

class StringInterner {
 public:
  StringInterner();
  ~StringInterner();
  StringInterner(const StringInterner&) = delete;
  StringInterner& operator=(const StringInterner&) = delete;

  // The interned copy of `text`, inserting it on first use.
  const std::string* Intern(std::string_view text);

  // The interned copy of `text`, or null when it was never interned.
  const std::string* Find(std::string_view text) const;

 private:
  // A power-of-two array of slots, at most half full; null slots end a probe.
  struct Table {
    explicit Table(std::size_t capacity);
    const std::size_t mask;
    const std::unique_ptr<std::atomic<const std::string*>[]> slots;
  };
  static const std::string* Probe(const Table& table, std::string_view text, std::uint64_t hash);
  static void Place(Table& table, const std::string* s, std::uint64_t hash);

  std::atomic<Table*> table_;
  std::mutex mu_;                               // guards the members below; only writers take it
  std::deque<std::string> strings_;             // every interned string (a deque: never moves)
  std::vector<std::unique_ptr<Table>> tables_;  // every table published, the current one last
};

}  // namespace tally::engine
