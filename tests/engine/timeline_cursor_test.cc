#include "engine/timeline_cursor.h"

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

TEST(TimelineCursorTest, RoundTrips) {
  for (const TimelineCursor c : {TimelineCursor{0, 0}, TimelineCursor{1'717'200'000'000'000, 257},
                                 TimelineCursor{-5, ~std::uint64_t{0}}}) {
    const std::string text = EncodeTimelineCursor(c);
    EXPECT_EQ(text.size() % 4, 0u);
    const auto back = DecodeTimelineCursor(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back->created_at, c.created_at);
    EXPECT_EQ(back->id, c.id);
  }
}

TEST(TimelineCursorTest, RejectsWhatItDidNotIssue) {
  for (const char* bad : {"", "!!!!", "abc", "MTIz", "fHw=", "MXwy=A==", "YXxi"}) {
    EXPECT_FALSE(DecodeTimelineCursor(bad)) << bad;
  }
}

}  // namespace
}  // namespace tally::engine
