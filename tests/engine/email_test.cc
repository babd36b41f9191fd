#include "engine/email.h"

#include <gtest/gtest.h>

#include "engine/engine.h"

namespace tally::engine {
namespace {

TEST(EmailTest, NormalizeTrimsUnicodeSpaceAndLowercasesAscii) {
  EXPECT_EQ(NormalizeEmail("  Alice@Example.COM\t\n"), "alice@example.com");
  EXPECT_EQ(NormalizeEmail("\u00a0\u3000bob@x.io\u2003"), "bob@x.io");
  EXPECT_EQ(NormalizeEmail("\u00c9mile@x.io"), "\u00c9mile@x.io");  // non-ASCII letters kept
  EXPECT_EQ(NormalizeEmail("   "), "");
  EXPECT_EQ(NormalizeEmail("\xff@x.io "), "\xff@x.io");  // invalid UTF-8 is never space
}

TEST(EmailTest, ValidEmailIsLocalAtDomainWithinTheLimit) {
  EXPECT_TRUE(IsValidEmail("a@b"));
  EXPECT_TRUE(IsValidEmail("first.last+tag@sub.example.com"));
  EXPECT_FALSE(IsValidEmail("plain"));
  EXPECT_FALSE(IsValidEmail("@x.io"));
  EXPECT_FALSE(IsValidEmail("a@"));
  EXPECT_FALSE(IsValidEmail("a b@x.io"));
  EXPECT_FALSE(IsValidEmail(std::string(kEmailBytesMax - 4, 'a') + "@x.io"));
  EXPECT_TRUE(IsValidEmail(std::string(kEmailBytesMax - 5, 'a') + "@x.io"));
}

}  // namespace
}  // namespace tally::engine
