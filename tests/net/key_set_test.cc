#include "net/key_set.h"

#include <gtest/gtest.h>

namespace tally::net {
namespace {

TEST(KeySetTest, MintedTokenVerifiesAndWrongSecretDoesNot) {
  Result<MintedKey> m = MintKey("ws", kScopeRead | kScopeWrite, 1);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->token.size(), kTokenChars);
  KeySet keys({m->record});
  const ApiKeyRecord* r = keys.Verify(m->token);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->workspace, "ws");
  std::string wrong = m->token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(keys.Verify(wrong), nullptr);
  EXPECT_EQ(keys.Verify(m->token.substr(1)), nullptr);
  EXPECT_EQ(keys.Verify("garbage"), nullptr);
  EXPECT_EQ(KeySet().Verify(m->token), nullptr);
}

TEST(KeySetTest, TokensAreNotStored) {
  Result<MintedKey> m = MintKey("ws", kScopeAdmin, 1);
  ASSERT_TRUE(m.ok());
  std::string json = KeySet({m->record}).ToJson();
  EXPECT_EQ(json.find(m->token.substr(kTokenPrefix.size() + kKeyIdHexDigits)), std::string::npos);
}

TEST(KeySetTest, JsonRoundTripKeepsEveryField) {
  Result<MintedKey> a = MintKey("ws1", kScopeRead, 1714557600LL * 1'000'000);
  Result<MintedKey> b = MintKey("ws2", kScopeRead | kScopeWrite | kScopeAdmin, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  Result<KeySet> back = KeySet::FromJson(KeySet({a->record, b->record}).ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->records().size(), 2u);
  EXPECT_EQ(back->records()[0].created_at, a->record.created_at);
  EXPECT_EQ(back->records()[1].scopes, kScopeRead | kScopeWrite | kScopeAdmin);
  EXPECT_NE(back->Verify(a->token), nullptr);
  EXPECT_NE(back->Verify(b->token), nullptr);
}

TEST(KeySetTest, MalformedFileIsCorruption) {
  for (const char* bad : {"", "[]", R"({"keys": 1})", R"({"keys": [{"id": "x"}]})"}) {
    EXPECT_TRUE(KeySet::FromJson(bad).status().IsCorruption()) << bad;
  }
}

TEST(KeySetTest, ScopeNames) {
  EXPECT_EQ(ScopeNames(kScopeRead | kScopeAdmin), "read,admin");
  EXPECT_EQ(ScopeNames(kScopeWrite), "write");
}

}  // namespace
}  // namespace tally::net
