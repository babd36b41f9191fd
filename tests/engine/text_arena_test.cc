#include "engine/text_arena.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

TEST(TextArenaTest, StoredTextsStayValidAsBlocksFill) {
  TextArena arena;
  std::vector<std::pair<CompactText, std::string>> stored;
  // Enough texts to fill several shared blocks, with some of their own block in between.
  for (int i = 0; i < 5000; ++i) {
    std::string text = i % 500 == 0 ? std::string(TextArena::kSharedTextBytesMax + i, 'x')
                                    : "{\"n\":" + std::to_string(i) + "}";
    stored.emplace_back(arena.Add(text), std::move(text));
  }
  for (const auto& [handle, text] : stored) EXPECT_EQ(handle.view(), text);
}

TEST(TextArenaTest, EmptyTextIsPresentAndDefaultIsAbsent) {
  TextArena arena;
  const CompactText empty = arena.Add("");
  EXPECT_TRUE(empty.present());
  EXPECT_EQ(empty.view(), "");
  EXPECT_FALSE(CompactText().present());
  EXPECT_EQ(CompactText().view(), "");
}

TEST(TextArenaTest, DroppedAndErasedTextsCountAsGarbage) {
  TextArena arena;
  const CompactText a = arena.Add("abcd");
  const CompactText b = arena.Add("efgh");
  EXPECT_EQ(arena.stored_bytes(), 2 * CompactText::StoredBytes(4));
  arena.Drop(a);
  EXPECT_EQ(arena.garbage_bytes(), CompactText::StoredBytes(4));
  arena.Drop(CompactText());  // absent: nothing to count
  EXPECT_EQ(arena.garbage_bytes(), CompactText::StoredBytes(4));
  const std::string_view bytes = b.view();
  arena.Erase(b);
  EXPECT_EQ(arena.garbage_bytes(), 2 * CompactText::StoredBytes(4));
  // D13: the erased text's bytes no longer hold it.
  EXPECT_EQ(std::string(bytes.data(), 4), std::string(4, '\0'));
}

}  // namespace
}  // namespace tally::engine
