#include "engine/name_index.h"

#include <algorithm>
#include <list>
#include <random>

#include <gtest/gtest.h>

#include "engine/workspace.h"

namespace tally::engine {
namespace {

class NameIndexTest : public ::testing::Test {
 protected:
  const EventEntry* Add(TimeUs occurred_at, std::string external_id) {
    EventEntry& e = entries_.emplace_back(std::piecewise_construct,
                                          std::forward_as_tuple(EventKey{&name_, external_id}),
                                          std::forward_as_tuple());
    e.second.occurred_at = occurred_at;
    return &e;
  }

  static std::vector<const EventEntry*> Walk(const NameIndex& index) {
    std::vector<const EventEntry*> out;
    for (NameIndex::Cursor c(index); !c.done(); c.Next()) out.push_back(c.entry());
    return out;
  }

  static bool ListBefore(const EventEntry* a, const EventEntry* b) {
    if (a->second.occurred_at != b->second.occurred_at) {
      return a->second.occurred_at > b->second.occurred_at;
    }
    return a->first.external_id < b->first.external_id;
  }

  std::string name_ = "page.view";
  std::list<EventEntry> entries_;
};

TEST_F(NameIndexTest, EmptyIndexHasNothingToWalk) {
  NameIndex index;
  EXPECT_TRUE(index.empty());
  EXPECT_TRUE(Walk(index).empty());
}

TEST_F(NameIndexTest, WalksInListOrderAcrossBlockSplitsAndErasures) {
  std::mt19937_64 rng(11);
  NameIndex index;
  std::vector<const EventEntry*> present;
  for (int i = 0; i < 5000; ++i) {
    std::string id = "e";
    id += std::to_string(i);
    // Few distinct times, so equal occurred_at (ordered by external_id) is common.
    const EventEntry* e = Add(static_cast<TimeUs>(rng() % 300), id);
    index.Insert(e);
    present.push_back(e);
    if (i % 3 == 0) {
      const std::size_t victim = rng() % present.size();
      index.Erase(present[victim]);
      present.erase(present.begin() + static_cast<std::ptrdiff_t>(victim));
    }
  }
  std::sort(present.begin(), present.end(), ListBefore);
  EXPECT_EQ(index.size(), present.size());
  EXPECT_EQ(Walk(index), present);
  for (const EventEntry* e : present) index.Erase(e);
  EXPECT_TRUE(index.empty());
}

TEST_F(NameIndexTest, ErasingAnAbsentEventIsAProgrammerError) {
  NameIndex index;
  index.Insert(Add(1, "a"));
  const EventEntry* absent = Add(2, "b");
  EXPECT_DEATH(index.Erase(absent), "not in the index");
}

// Added by LOAD (session 6): the snapshot loader's bulk build.
TEST_F(NameIndexTest, AppendSortedWalksLikeInsertionsAndTakesLaterInserts) {
  std::mt19937_64 rng(7);
  std::vector<const EventEntry*> events;
  for (int i = 0; i < 1300; ++i) {  // several blocks, the last one partial
    std::string id = "e";
    id += std::to_string(i);
    events.push_back(Add(static_cast<TimeUs>(rng() % 200), id));
  }
  std::vector<std::pair<TimeUs, const EventEntry*>> items;
  for (const EventEntry* e : events) items.emplace_back(e->second.occurred_at, e);
  // The index's own order is the reverse of list order.
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return ListBefore(b.second, a.second); });
  NameIndex bulk;
  bulk.AppendSorted(items);
  NameIndex inserted;
  for (const EventEntry* e : events) inserted.Insert(e);
  EXPECT_EQ(Walk(bulk), Walk(inserted));
  EXPECT_EQ(bulk.size(), events.size());
  const EventEntry* later = Add(100, "later");
  bulk.Insert(later);
  bulk.Erase(events[0]);
  inserted.Insert(later);
  inserted.Erase(events[0]);
  EXPECT_EQ(Walk(bulk), Walk(inserted));
}

TEST_F(NameIndexTest, AppendSortedOfNothingLeavesTheIndexEmpty) {
  NameIndex index;
  index.AppendSorted({});
  EXPECT_TRUE(index.empty());
}

}  // namespace
}  // namespace tally::engine
