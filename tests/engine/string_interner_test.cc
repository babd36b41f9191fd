#include "engine/string_interner.h"

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/numbered.h"

namespace tally::engine {
namespace {

TEST(StringInternerTest, InternReturnsOneCopyPerText) {
  StringInterner interner;
  const std::string* a = interner.Intern("order.completed");
  EXPECT_EQ(*a, "order.completed");
  EXPECT_EQ(interner.Intern(std::string("order.") + "completed"), a);
  EXPECT_NE(interner.Intern("order.refunded"), a);
  EXPECT_EQ(interner.Find("order.completed"), a);
  EXPECT_EQ(interner.Find("never"), nullptr);
}

TEST(StringInternerTest, StringsKeepTheirAddressesWhileTheTableGrows) {
  StringInterner interner;
  std::vector<const std::string*> first;
  for (int i = 0; i < 10'000; ++i) first.push_back(interner.Intern(Numbered("name", i)));
  for (int i = 0; i < 10'000; ++i) {
    EXPECT_EQ(interner.Find(Numbered("name", i)), first[i]);
    EXPECT_EQ(*first[i], Numbered("name", i));
  }
  const std::string* empty = interner.Intern("");
  EXPECT_EQ(interner.Find(""), empty);
}

// Threads intern overlapping names while the table grows; every thread must get the same
// copy of each name (run under ThreadSanitizer in CI).
TEST(StringInternerConcurrencyTest, ThreadsAgreeOnEveryCopy) {
  StringInterner interner;
  constexpr int kThreads = 4;
  constexpr int kNames = 2000;
  std::vector<std::vector<const std::string*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kNames; ++i) {
        // Each thread walks the names in its own order.
        const int n = (i * (2 * t + 1)) % kNames;
        seen[t].push_back(interner.Intern(Numbered("n", n)));
        EXPECT_EQ(interner.Find(Numbered("n", n)), seen[t].back());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kNames; ++i) {
    const std::string* expected = interner.Find(Numbered("n", i));
    ASSERT_NE(expected, nullptr);
    for (int t = 0; t < kThreads; ++t) {
      const int n = (i * (2 * t + 1)) % kNames;
      EXPECT_EQ(seen[t][i], interner.Find(Numbered("n", n)));
    }
  }
}

}  // namespace
}  // namespace tally::engine
