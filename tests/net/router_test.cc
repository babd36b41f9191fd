#include "net/router.h"

#include <cerrno>
#include <future>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "log/log.h"
#include "net/key_file.h"
#include "tests/log/fault_injecting_file_system.h"
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
    return Finish(router_.Handle(request));
  }
  // What the session sends for `response`: a write's response once its record is durable.
  HttpResponse Finish(HttpResponse response) {
    if (response.wait.lsn == 0) {
      return response;
    }
    std::promise<HttpResponse> sent;
    router_.AwaitDurable(std::move(response),
                         [&sent](HttpResponse r) { sent.set_value(std::move(r)); });
    return sent.get_future().get();
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

TEST_F(RouterTest, SnapshotsAndWritesThatBlockOnTheSyncRunOnWorkers) {
  HttpRequest request;
  request.method = HttpMethod::kPost;
  Router interval(keys_, metrics_, log::SyncPolicy::kInterval);
  for (const char* target :
       {"/api/customEvents.upsert", "/api/customEvents.create", "/api/customEvents.import"}) {
    request.target = target;
    EXPECT_FALSE(router_.RunsOnWorker(request)) << target;  // they wait through AwaitDurable
    EXPECT_FALSE(interval.RunsOnWorker(request)) << target;
  }
  request.target = "/api/contacts.delete";
  EXPECT_TRUE(router_.RunsOnWorker(request));
  EXPECT_FALSE(interval.RunsOnWorker(request));
  request.target = "/admin/snapshot";
  EXPECT_TRUE(router_.RunsOnWorker(request));
  EXPECT_TRUE(interval.RunsOnWorker(request));
  HttpRequest read;
  read.method = HttpMethod::kGet;
  read.target = "/api/customEvents.list?workspace_id=ws";
  EXPECT_FALSE(router_.RunsOnWorker(read));
}

// With a real log and engine: a failed sync puts the log in its sticky error state, after which
// writes are 503 and /readyz reports the log error (contract §5, D9).
class RouterWithLogTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    log::LogOptions options;
    options.dir = dir_.path() / "log";
    options.segment_bytes = 1 << 20;
    options.fs = &fs_;
    Result<std::unique_ptr<log::Log>> opened = log::Log::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(opened).value();
    engine::EngineOptions engine_options;
    engine_options.log = log_.get();
    Result<std::unique_ptr<engine::Engine>> engine = engine::Engine::Open(engine_options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    router_.SetLog(log_.get());
    router_.SetEngine(engine_.get());
  }
  void TearDown() override { router_.SetEngine(nullptr); }

  static std::string Upsert(const std::string& id) {
    return R"({"workspace_id":"ws","email":"a@x.com","event_name":"e","external_id":")" + id +
           R"(","occurred_at":"2024-05-01T10:00:00Z"})";
  }

  log::testing::FaultInjectingFileSystem fs_;
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<engine::Engine> engine_;
};

TEST_F(RouterWithLogTest, FailedSyncMakesWritesAndReadyz503) {
  ASSERT_EQ(Send(HttpMethod::kGet, "/readyz").status, 200u);
  ASSERT_EQ(Send(HttpMethod::kPost, "/api/customEvents.upsert", Upsert("a")).status, 200u);
  fs_.FailNth(log::testing::FaultInjectingFileSystem::Op::kSync, 1, EIO, /*sticky=*/true);
  HttpResponse failed = Send(HttpMethod::kPost, "/api/customEvents.upsert", Upsert("b"));
  EXPECT_EQ(failed.status, 503u);
  EXPECT_TRUE(failed.body.starts_with("{\"error\":\"Service unavailable: ")) << failed.body;
  EXPECT_EQ(Send(HttpMethod::kPost, "/api/customEvents.upsert", Upsert("c")).status, 503u);
  HttpResponse ready = Send(HttpMethod::kGet, "/readyz");
  EXPECT_EQ(ready.status, 503u);
  EXPECT_TRUE(ready.body.starts_with("{\"error\":\"log error: ")) << ready.body;
  std::string metrics = metrics_.Render(router_.Snapshot());
  EXPECT_NE(metrics.find("tally_log_healthy 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("tally_events_rejected_total{reason=\"unavailable\"} 2\n"),
            std::string::npos);
  // Reads still work from memory.
  EXPECT_EQ(
      Send(HttpMethod::kGet, "/api/customEvents.get?workspace_id=ws&event_name=e&external_id=a")
          .status,
      200u);
}

TEST_F(RouterWithLogTest, WriteUnderSyncAlwaysIsAcknowledgedOnceItsRecordIsDurable) {
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.target = "/api/customEvents.upsert";
  request.authorization = "Bearer " + key_;
  request.body = Upsert("d");
  HttpResponse pending = router_.Handle(request);
  ASSERT_EQ(pending.status, 200u) << pending.body;
  ASSERT_NE(pending.wait.lsn, 0u);
  EXPECT_EQ(pending.wait.lsn, log_->last_lsn());
  // Neither ingested nor finished until the log says the record is durable.
  std::string before = metrics_.Render(router_.Snapshot());
  EXPECT_NE(before.find("tally_events_ingested_total 0\n"), std::string::npos);
  EXPECT_NE(before.find("tally_http_requests_in_flight 1\n"), std::string::npos);
  const log::Lsn lsn = pending.wait.lsn;
  HttpResponse sent = Finish(std::move(pending));
  EXPECT_EQ(sent.status, 200u);
  EXPECT_EQ(sent.wait.lsn, 0u);
  EXPECT_GE(log_->durable_lsn(), lsn);
  std::string after = metrics_.Render(router_.Snapshot());
  EXPECT_NE(after.find("tally_events_ingested_total 1\n"), std::string::npos);
  EXPECT_NE(after.find("tally_http_requests_in_flight 0\n"), std::string::npos);
  EXPECT_NE(after.find("tally_http_requests_total{route=\"customEvents.upsert\",method=\"POST\","
                       "code=\"200\"} 1\n"),
            std::string::npos);
}

TEST_F(RouterWithLogTest, NoOpWriteHasNothingToWaitFor) {
  ASSERT_EQ(Send(HttpMethod::kPost, "/api/customEvents.upsert", Upsert("e")).status, 200u);
  HttpRequest again;
  again.method = HttpMethod::kPost;
  again.target = "/api/customEvents.upsert";
  again.authorization = "Bearer " + key_;
  again.body = Upsert("e");
  HttpResponse response = router_.Handle(again);
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.wait.lsn, 0u);  // D2: an identical upsert logs nothing
}

TEST_F(RouterWithLogTest, UnderSyncIntervalWritesDoNotWait) {
  Router interval(keys_, metrics_, log::SyncPolicy::kInterval);
  interval.SetLog(log_.get());
  interval.SetEngine(engine_.get());
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.target = "/api/customEvents.import";
  request.authorization = "Bearer " + key_;
  request.body = R"({"workspace_id":"ws","events":[{"email":"a@x.com","event_name":"e",)"
                 R"("external_id":"i1","occurred_at":"2024-05-01T10:00:00Z"}]})";
  HttpResponse response = interval.Handle(request);
  EXPECT_EQ(response.status, 201u) << response.body;
  EXPECT_EQ(response.wait.lsn, 0u);
  interval.SetEngine(nullptr);
}

}  // namespace
}  // namespace tally::net
