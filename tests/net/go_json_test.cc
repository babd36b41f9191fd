#include "net/go_json.h"

#include <gtest/gtest.h>

namespace tally::net {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

std::string Cents(std::int64_t c) {
  std::string out;
  AppendCents(out, c);
  return out;
}

TEST(GoJsonTest, EscapesHtmlAndControlCharactersLikeGo) {
  EXPECT_EQ(Quote("a<b>&c"), R"("a\u003cb\u003e\u0026c")");
  EXPECT_EQ(Quote("q\"\\\n\t\r"), R"("q\"\\\n\t\r")");
  EXPECT_EQ(Quote(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(Quote("line\u2028sep\u2029"), R"("line\u2028sep\u2029")");
  EXPECT_EQ(Quote("caf\u00e9 \u20ac"), "\"caf\u00e9 \u20ac\"");
}

TEST(GoJsonTest, CompactKeepsNumberTextAndEscapesHtml) {
  EXPECT_EQ(CompactJson("{ \"a\" : 1.50 ,\n \"b\": [ 1e2, 12345678901234567890 ] }"),
            R"({"a":1.50,"b":[1e2,12345678901234567890]})");
  EXPECT_EQ(CompactJson(R"({"x": "<a href=\"q\"> & </a>"})"),
            R"({"x":"\u003ca href=\"q\"\u003e \u0026 \u003c/a\u003e"})");
  EXPECT_EQ(CompactJson(R"({"s": "keep  spaces \\"})"), R"({"s":"keep  spaces \\"})");
}

TEST(GoJsonTest, CentsPrintAsGoPrintsTheFloat) {
  EXPECT_EQ(Cents(9999), "99.99");
  EXPECT_EQ(Cents(10000), "100");
  EXPECT_EQ(Cents(-5000), "-50");
  EXPECT_EQ(Cents(1050), "10.5");
  EXPECT_EQ(Cents(5), "0.05");
  EXPECT_EQ(Cents(-5), "-0.05");
  EXPECT_EQ(Cents(0), "0");
  EXPECT_EQ(Cents(999999999999999), "9999999999999.99");
}

}  // namespace
}  // namespace tally::net
