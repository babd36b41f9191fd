#include "engine/inline_key.h"

#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

bool StoredInside(const ExternalIdKey& key) {
  const auto* begin = reinterpret_cast<const char*>(&key);
  return key.data() >= begin && key.data() < begin + sizeof(key);
}

TEST(InlineKeyTest, TextUpToInlineBytesIsStoredInsideTheKey) {
  const std::string text(ExternalIdKey::kInlineBytes, 'a');
  const ExternalIdKey key(text);
  EXPECT_TRUE(StoredInside(key));
  EXPECT_EQ(key.view(), text);
  EXPECT_EQ(key.size(), text.size());
}

TEST(InlineKeyTest, LongerTextIsCopiedToTheHeap) {
  const std::string text(ExternalIdKey::kInlineBytes + 1, 'b');
  const ExternalIdKey key(text);
  EXPECT_FALSE(StoredInside(key));
  EXPECT_NE(key.data(), text.data());
  EXPECT_EQ(key.view(), text);
}

TEST(InlineKeyTest, LongestTextKeepsEveryByte) {
  std::string text;
  for (std::size_t i = 0; i < ExternalIdKey::kTextBytesMax; ++i)
    text += static_cast<char>('a' + i % 26);
  const EmailKey key(text);
  EXPECT_EQ(key.view(), text);
}

TEST(InlineKeyTest, MovedKeyTakesTheHeapCopyAndLeavesAnEmptyKey) {
  const std::string text(40, 'c');
  ExternalIdKey source(text);
  const char* heap = source.data();
  const ExternalIdKey moved(std::move(source));
  EXPECT_EQ(moved.data(), heap);
  EXPECT_EQ(moved.view(), text);
  EXPECT_EQ(source.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(InlineKeyTest, ComparesAsItsText) {
  const EmailKey a(std::string_view("alice@example.com"));
  const EmailKey b(std::string_view("bob@example.com"));
  EXPECT_TRUE(a == std::string_view("alice@example.com"));
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b > std::string("alice@example.com"));
}

TEST(InlineKeyDeathTest, TextLongerThanItsLimitAborts) {
  const std::string text(ExternalIdKey::kTextBytesMax + 1, 'd');
  EXPECT_DEATH(ExternalIdKey key(text), "kTextBytesMax");
}

}  // namespace
}  // namespace tally::engine
