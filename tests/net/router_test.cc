#include "net/router.h"

#include <gtest/gtest.h>

#include "net/key_file.h"
#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<MintedKey> m = AddKey(dir_.path(), "ws", kScopeRead | kScopeWrite);
    ASSERT_TRUE(m.ok());
    key_ = m->token;
    ASSERT_TRUE(keys_.Reload().ok());
  }
  HttpResponse Send(HttpMethod method, std::string target, std::string body = "") {
    HttpRequest request;
    request.method = method;
    request.target = std::move(target);
    request.authorization = "Bearer " + key_;
    request.body = std::move(body);
    return router_.Handle(request);
  }

  TempDir dir_;
  KeyRing keys_{dir_.path()};
  Metrics metrics_;
  Router router_{keys_, metrics_, log::SyncPolicy::kAlways};
  std::string key_;
};

TEST_F(RouterTest, WhileReplayingLivezIsOkReadyzAndApiAre503) {
  EXPECT_EQ(Send(HttpMethod::kGet, "/livez").status, 200u);
  HttpResponse ready = Send(HttpMethod::kGet, "/readyz");
  EXPECT_EQ(ready.status, 503u);
  EXPECT_EQ(ready.body, "{\"error\":\"replaying the log\"}\n");
  HttpResponse upsert = Send(HttpMethod::kPost, "/api/customEvents.upsert", "{}");
  EXPECT_EQ(upsert.status, 503u);
  EXPECT_EQ(upsert.body, "{\"error\":\"Service unavailable: replaying the log\"}\n");
  EXPECT_NE(metrics_.Render(router_.Snapshot()).find("tally_ready 0\n"), std::string::npos);
}

TEST_F(RouterTest, RoutingAndMethodErrorsComeBeforeAuthentication) {
  HttpRequest anonymous;
  anonymous.method = HttpMethod::kOther;
  anonymous.target = "/api/customEvents.get?x=1";
  EXPECT_EQ(router_.Handle(anonymous).status, 405u);
  anonymous.target = "/nowhere";
  EXPECT_EQ(router_.Handle(anonymous).status, 404u);
  anonymous.method = HttpMethod::kGet;
  anonymous.target = "/api/customEvents.get";
  EXPECT_EQ(router_.Handle(anonymous).status, 401u);
}

TEST_F(RouterTest, OnlyWritesUnderSyncAlwaysMayWaitForTheSync) {
  HttpRequest write;
  write.method = HttpMethod::kPost;
  write.target = "/api/customEvents.import";
  EXPECT_TRUE(router_.MayWaitForSync(write));
  HttpRequest read;
  read.method = HttpMethod::kGet;
  read.target = "/api/customEvents.list?workspace_id=ws";
  EXPECT_FALSE(router_.MayWaitForSync(read));
  Router interval(keys_, metrics_, log::SyncPolicy::kInterval);
  EXPECT_FALSE(interval.MayWaitForSync(write));
}

}  // namespace
}  // namespace tally::net
