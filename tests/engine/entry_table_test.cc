#include "engine/entry_table.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "tests/engine/numbered.h"
#include "tests/engine/random_seed.h"

namespace tally::engine {
namespace {

// Keys whose hash the test chooses, so that collisions of the full hash can be forced.
struct CollidingTraits {
  using Key = std::string;
  using Value = std::uint64_t;
  using KeyView = std::string_view;
  static std::uint64_t Hash(std::string_view key) { return key.size() << 32; }
  static bool Equal(const std::string& a, std::string_view b) { return a == b; }
  static std::string MakeKey(std::string_view key) { return std::string(key); }
};

struct StringTraits : CollidingTraits {
  static std::uint64_t Hash(std::string_view key) {
    return std::hash<std::string_view>{}(key)*0x9E3779B97F4A7C15ull;
  }
};

TEST(EntryTableTest, EntriesKeepTheirAddressesWhileTheTableGrows) {
  EntryTable<StringTraits> table;
  auto [first, inserted] = table.try_emplace("a");
  ASSERT_TRUE(inserted);
  first->second = 7;
  auto* address = &*first;
  for (int i = 0; i < 100'000; ++i) table.try_emplace(Numbered("k", i));
  EXPECT_EQ(&*table.find("a"), address);
  EXPECT_EQ(address->second, 7u);
  EXPECT_EQ(table.size(), 100'001u);
}

TEST(EntryTableTest, TryEmplaceOfAPresentKeyReturnsTheStoredEntry) {
  EntryTable<StringTraits> table;
  table.try_emplace("x").first->second = 3;
  auto [again, inserted] = table.try_emplace("x");
  EXPECT_FALSE(inserted);
  EXPECT_EQ(again->second, 3u);
  EXPECT_EQ(table.size(), 1u);
}

TEST(EntryTableTest, KeysWithEqualHashesAreToldApart) {
  EntryTable<CollidingTraits> table;
  // Every key of one length has the same hash.
  table["ab"] = 1;
  table["cd"] = 2;
  table["ef"] = 3;
  EXPECT_EQ(table.find("ab")->second, 1u);
  EXPECT_EQ(table.find("cd")->second, 2u);
  EXPECT_EQ(table.find("ef")->second, 3u);
  EXPECT_FALSE(table.contains("gh"));
  table.erase(table.find("cd"));
  EXPECT_FALSE(table.contains("cd"));
  EXPECT_EQ(table.find("ef")->second, 3u);
}

TEST(EntryTableTest, EraseDestroysTheEntryAndTheSlotIsReused) {
  EntryTable<StringTraits> table;
  table.try_emplace("a");
  auto* b = &*table.try_emplace("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").first;
  table.erase(table.find("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
  EXPECT_EQ(table.find("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), table.end());
  EXPECT_EQ(table.size(), 1u);
  // The freed slot is the next one handed out, with a freshly constructed value.
  auto [c, inserted] = table.try_emplace("c");
  EXPECT_TRUE(inserted);
  EXPECT_EQ(&*c, b);
  EXPECT_EQ(c->second, 0u);
}

TEST(EntryTableTest, IterationVisitsEveryEntryOnce) {
  EntryTable<StringTraits> table;
  for (int i = 0; i < 3000; ++i) table[Numbered("k", i)] = static_cast<std::uint64_t>(i);
  for (int i = 0; i < 3000; i += 3) table.erase(table.find(Numbered("k", i)));
  std::map<std::string, std::uint64_t> seen;
  const auto& const_table = table;
  for (const auto& [key, value] : const_table) EXPECT_TRUE(seen.emplace(key, value).second);
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(seen.size(), table.size());
  for (const auto& [key, value] : seen) EXPECT_EQ(key, Numbered("k", static_cast<int>(value)));
}

// Random inserts, lookups and erasures against std::map. TALLY_ENTRY_TABLE_SEED=<n> replays
// one seed.
TEST(EntryTableTest, RandomOperationsMatchAnOrderedMap) {
  const RandomSeed seed("TALLY_ENTRY_TABLE_SEED");
  SCOPED_TRACE(seed.replay_hint());
  std::mt19937_64 rng(seed.value());
  EntryTable<CollidingTraits> table;  // few distinct hashes: long collision chains
  std::map<std::string, std::uint64_t> model;
  for (int step = 0; step < 20'000; ++step) {
    const std::string key(1 + rng() % 6, static_cast<char>('a' + rng() % 8));
    std::string k = key;
    k += std::to_string(rng() % 50);
    switch (rng() % 3) {
      case 0: {
        const std::uint64_t v = rng();
        table[k] = v;
        model[k] = v;
        break;
      }
      case 1: {
        const auto it = table.find(k);
        ASSERT_EQ(it != table.end(), model.contains(k)) << k;
        if (it != table.end()) {
          EXPECT_EQ(it->second, model[k]);
        }
        break;
      }
      case 2: {
        const auto it = table.find(k);
        if (it != table.end()) table.erase(it);
        model.erase(k);
        break;
      }
    }
    ASSERT_EQ(table.size(), model.size());
  }
  for (const auto& [k, v] : model) EXPECT_EQ(table.find(k)->second, v);
}

}  // namespace
}  // namespace tally::engine
