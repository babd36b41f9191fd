#include "net/auth.h"

#include <vector>

#include <gtest/gtest.h>

namespace tally::net {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<MintedKey> rw = MintKey("ws", kScopeRead | kScopeWrite, 1);
    Result<MintedKey> ro = MintKey("ws", kScopeRead, 1);
    Result<MintedKey> wo = MintKey("ws", kScopeWrite, 1);
    ASSERT_TRUE(rw.ok() && ro.ok() && wo.ok());
    read_write_ = rw->token;
    read_only_ = ro->token;
    write_only_ = wo->token;
    keys_ = KeySet({rw->record, ro->record, wo->record});
  }
  AuthError Check(const std::string& token, std::string_view workspace, Scope scope) {
    Principal p = Authenticate(keys_, true, "Bearer " + token);
    if (p.error.status != 0) {
      return p.error;
    }
    return Authorize(*p.key, workspace, scope);
  }
  KeySet keys_;
  std::string read_write_, read_only_, write_only_;
};

TEST_F(AuthTest, HeaderProblemsAre401WithNotifuseMessages) {
  EXPECT_EQ(Authenticate(keys_, false, "").error.message, "Authorization header is required");
  for (const std::string& bad : std::vector<std::string>{
           "", "Bearer", "bearer " + read_write_, "Bearer  " + read_write_,
           "Bearer " + read_write_ + " x", "Basic abc", "Token " + read_write_}) {
    Principal p = Authenticate(keys_, true, bad);
    EXPECT_EQ(p.error.status, 401u) << bad;
    EXPECT_EQ(p.error.message, "Invalid authorization header format") << bad;
  }
  Principal p = Authenticate(keys_, true, "Bearer tly_unknown");
  EXPECT_EQ(p.error.status, 401u);
  EXPECT_EQ(p.error.message, "Invalid token");
}

TEST_F(AuthTest, ValidKeyInItsWorkspaceWithScopeIsAllowed) {
  EXPECT_EQ(Check(read_write_, "ws", kScopeRead).status, 0u);
  EXPECT_EQ(Check(read_write_, "ws", kScopeWrite).status, 0u);
}

TEST_F(AuthTest, ForeignWorkspaceIs403) {
  AuthError e = Check(read_write_, "other", kScopeRead);
  EXPECT_EQ(e.status, 403u);
  EXPECT_EQ(e.message, "API key is not authorized for workspace other");
}

TEST_F(AuthTest, MissingScopeIs403WithNotifuseMessages) {
  AuthError w = Check(read_only_, "ws", kScopeWrite);
  EXPECT_EQ(w.status, 403u);
  EXPECT_EQ(w.message,
            "Insufficient permissions: write access to contacts required for custom events");
  AuthError r = Check(write_only_, "ws", kScopeRead);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.message, "Insufficient permissions: read access to contacts required");
  EXPECT_EQ(Check(read_write_, "ws", kScopeAdmin).status, 403u);
}

}  // namespace
}  // namespace tally::net
