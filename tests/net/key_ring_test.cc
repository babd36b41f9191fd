#include "net/key_ring.h"

#include <fstream>

#include <gtest/gtest.h>

#include "net/key_file.h"
#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

TEST(KeyRingTest, SeesAddedAndRevokedKeysAfterReloadIfChanged) {
  TempDir dir;
  KeyRing ring(dir.path());
  ASSERT_TRUE(ring.Reload().ok());
  Result<MintedKey> m = AddKey(dir.path(), "ws", kScopeRead);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ring.current()->Verify(m->token), nullptr);
  ASSERT_TRUE(ring.ReloadIfChanged().ok());
  EXPECT_NE(ring.current()->Verify(m->token), nullptr);
  ASSERT_TRUE(RevokeKey(dir.path(), m->record.id).ok());
  ASSERT_TRUE(ring.ReloadIfChanged().ok());
  EXPECT_EQ(ring.current()->Verify(m->token), nullptr);
}

TEST(KeyRingTest, BrokenFileKeepsThePreviousKeys) {
  TempDir dir;
  Result<MintedKey> m = AddKey(dir.path(), "ws", kScopeRead);
  ASSERT_TRUE(m.ok());
  KeyRing ring(dir.path());
  ASSERT_TRUE(ring.Reload().ok());
  std::ofstream(KeysFilePath(dir.path()), std::ios::trunc) << "{broken";
  EXPECT_TRUE(ring.Reload().IsCorruption());
  EXPECT_NE(ring.current()->Verify(m->token), nullptr);
}

TEST(KeyRingTest, HeldSetOutlivesAReload) {
  TempDir dir;
  Result<MintedKey> m = AddKey(dir.path(), "ws", kScopeRead);
  ASSERT_TRUE(m.ok());
  KeyRing ring(dir.path());
  ASSERT_TRUE(ring.Reload().ok());
  std::shared_ptr<const KeySet> held = ring.current();
  ASSERT_TRUE(RevokeKey(dir.path(), m->record.id).ok());
  ASSERT_TRUE(ring.Reload().ok());
  EXPECT_NE(held->Verify(m->token), nullptr);
  EXPECT_EQ(ring.current()->Verify(m->token), nullptr);
}

}  // namespace
}  // namespace tally::net
