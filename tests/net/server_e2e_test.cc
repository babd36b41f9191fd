// End-to-end tests of the HTTP layer: auth, methods, limits, timeouts, keep-alive, pipelining,
// gzip, connection limits, key reload and metrics, against the real binary.
#include <chrono>
#include <fstream>
#include <thread>

#include <sys/resource.h>
#include <zlib.h>

#include "tests/net/e2e_fixture.h"
#include "tests/net/gzip_compress.h"

namespace tally::net::testing {
namespace {

using ServerE2eTest = E2eTest;

std::string Gzip(const std::string& plain) {
  return GzipCompress(plain, Z_BEST_COMPRESSION);
}

TEST_F(ServerE2eTest, LivezAndReadyzAnswerJson) {
  HttpCall livez;
  livez.target = "/livez";
  HttpReply r = Call(livez);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  HttpCall readyz;
  readyz.target = "/readyz";
  EXPECT_EQ(Call(readyz).body, "{\"status\":\"ready\"}\n");
}

TEST_F(ServerE2eTest, UnknownPathIs404Json) {
  HttpReply r = Call(Get("/api/nope", admin_));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.body, "{\"error\":\"Not found\"}\n");
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

TEST_F(ServerE2eTest, WrongMethodIs405) {
  HttpCall get_upsert = Get("/api/customEvents.upsert", admin_);
  HttpCall post_list = Post("/api/customEvents.list?workspace_id=ws&email=a@x.com", admin_, "{}");
  HttpCall put_livez;
  put_livez.method = "PUT";
  put_livez.target = "/livez";
  HttpCall delete_timeline = Get("/api/timeline.list?workspace_id=ws&email=a@x.com", admin_);
  delete_timeline.method = "DELETE";
  for (const HttpCall& call : {get_upsert, post_list, put_livez, delete_timeline}) {
    HttpReply r = Call(call);
    EXPECT_EQ(r.status, 405u) << call.method << " " << call.target;
    EXPECT_EQ(r.body, "{\"error\":\"Method not allowed\"}\n");
  }
}

TEST_F(ServerE2eTest, AuthenticationErrorsAre401WithExactMessages) {
  HttpCall none;
  none.target = "/api/customEvents.list?workspace_id=ws&email=a@x.com";
  EXPECT_EQ(Call(none).body, "{\"error\":\"Authorization header is required\"}\n");
  HttpCall basic = none;
  basic.headers.push_back({"Authorization", "Basic " + admin_});
  HttpReply r = Call(basic);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.body, "{\"error\":\"Invalid authorization header format\"}\n");
  HttpReply unknown = Call(Get(none.target, "tly_0000000000000000" + std::string(64, 'a')));
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(unknown.body, "{\"error\":\"Invalid token\"}\n");
}

TEST_F(ServerE2eTest, ScopesAndWorkspacesAre403) {
  HttpReply foreign = Call(Get("/api/customEvents.list?workspace_id=ws&email=a@x.com", other_));
  EXPECT_EQ(foreign.status, 403u);
  EXPECT_EQ(foreign.body, "{\"error\":\"API key is not authorized for workspace ws\"}\n");
  HttpReply no_write = Call(Post("/api/customEvents.upsert", read_only_, UpsertBody("o-1")));
  EXPECT_EQ(no_write.status, 403u);
  EXPECT_EQ(no_write.body,
            "{\"error\":\"Insufficient permissions: write access to contacts required for custom "
            "events\"}\n");
  HttpReply no_read =
      Call(Get("/api/timeline.list?workspace_id=ws&email=alice@example.com", write_only_));
  EXPECT_EQ(no_read.status, 403u);
  EXPECT_EQ(no_read.body,
            "{\"error\":\"Insufficient permissions: read access to contacts required\"}\n");
  EXPECT_EQ(Call(Post("/api/customEvents.upsert", write_only_, UpsertBody("o-1"))).status, 200u);
  EXPECT_EQ(Call(Post("/api/contacts.delete", other_,
                      R"({"workspace_id":"ws","email":"alice@example.com"})"))
                .status,
            403u);
}

TEST_F(ServerE2eTest, NonJsonContentTypeOnWritesIs415) {
  HttpCall call = Post("/api/customEvents.upsert", admin_, UpsertBody("o-1"));
  call.headers.back().second = "application/x-www-form-urlencoded";
  HttpReply r = Call(call);
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  call.headers.back().second = "application/json; charset=utf-8";
  EXPECT_EQ(Call(call).status, 200u);
}

TEST_F(ServerE2eTest, BodyOverTheLimitIs413BeforeItIsSent) {
  HttpClient client = Client();
  // Only the headers are sent: the answer must come without the server waiting for the body.
  client.SendRaw("POST /api/customEvents.upsert HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 admin_ + "\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string((1 << 20) + 1) + "\r\n\r\n");
  HttpReply r = client.Read();
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.body, "{\"error\":\"Request body too large\"}\n");
}

TEST_F(ServerE2eTest, ChunkedBodyOverTheLimitIs413) {
  HttpClient client = Client();
  std::string chunk(64 << 10, ' ');
  std::string wire = "POST /api/customEvents.upsert HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     admin_ + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  client.SendRaw(wire);
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  for (int i = 0; i < 17; ++i) {
    client.SendRaw(size + chunk + "\r\n");
  }
  EXPECT_EQ(client.Read().status, 413u);
}

TEST_F(ServerE2eTest, HeadersOverTheLimitAre431) {
  HttpCall call = Get("/api/customEvents.list?workspace_id=ws&email=a@x.com", admin_);
  call.headers.push_back({"X-Padding", std::string(9 << 10, 'p')});
  HttpReply r = Call(call);
  EXPECT_EQ(r.status, 431u);
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

TEST_F(ServerE2eTest, GzipBodiesAreDecoded) {
  HttpCall call = Post("/api/customEvents.upsert", admin_, Gzip(UpsertBody("gz-1")));
  call.headers.push_back({"Content-Encoding", "gzip"});
  HttpReply r = Call(call);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("\"external_id\":\"gz-1\""), std::string::npos);
}

TEST_F(ServerE2eTest, GzipBodyOverTheLimitAfterDecompressionIs413) {
  // 2 MiB of spaces compresses to a few KiB: only the decoded size is over the limit.
  std::string plain = UpsertBody("gz-2");
  plain.insert(1, std::string(2 << 20, ' '));
  HttpCall call = Post("/api/customEvents.upsert", admin_, Gzip(plain));
  ASSERT_LT(call.body.size(), 64u << 10);
  call.headers.push_back({"Content-Encoding", "gzip"});
  EXPECT_EQ(Call(call).status, 413u);
  HttpCall broken = Post("/api/customEvents.upsert", admin_, "not gzip");
  broken.headers.push_back({"Content-Encoding", "gzip"});
  EXPECT_EQ(Call(broken).status, 400u);
  HttpCall brotli = Post("/api/customEvents.upsert", admin_, "x");
  brotli.headers.push_back({"Content-Encoding", "br"});
  EXPECT_EQ(Call(brotli).status, 415u);
}

TEST_F(ServerE2eTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient client = Client();
  for (int i = 0; i < 50; ++i) {
    HttpReply r = client.Send(
        Post("/api/customEvents.upsert", admin_, UpsertBody("ka-" + std::to_string(i))));
    ASSERT_EQ(r.status, 200u);
    ASSERT_TRUE(r.keep_alive);
  }
}

TEST_F(ServerE2eTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpClient client = Client();
  std::vector<HttpCall> calls;
  for (int i = 0; i < 40; ++i) {
    std::string id = "p-" + std::to_string(i);
    calls.push_back(Post("/api/customEvents.upsert", admin_, UpsertBody(id)));
    calls.push_back(
        Get("/api/customEvents.get?workspace_id=ws&event_name=orders/completed"
            "&external_id=" +
                id,
            admin_));
  }
  std::vector<HttpReply> replies = client.Pipeline(calls);
  ASSERT_EQ(replies.size(), calls.size());
  for (std::size_t i = 0; i < replies.size(); ++i) {
    ASSERT_EQ(replies[i].status, 200u) << i << replies[i].body;
    std::string id = "\"external_id\":\"p-" + std::to_string(i / 2) + "\"";
    EXPECT_NE(replies[i].body.find(id), std::string::npos) << i;
  }
}

TEST_F(ServerE2eTest, MalformedHttpIs400AndCloses) {
  HttpClient client = Client();
  client.SendRaw("NOT HTTP AT ALL\r\n\r\n");
  HttpReply r = client.Read();
  EXPECT_EQ(r.status, 400u);
  EXPECT_TRUE(client.ClosedByServer(2000));
}

TEST_F(ServerE2eTest, Http10RequestIsAnsweredAndClosedUnlessKeptAlive) {
  HttpClient plain = Client();
  plain.SendRaw("GET /livez HTTP/1.0\r\n\r\n");
  HttpReply r = plain.Read();
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(plain.ClosedByServer(2000));
  HttpClient kept = Client();
  kept.SendRaw("GET /livez HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  HttpReply first = kept.Read();
  EXPECT_EQ(first.status, 200u);
  EXPECT_TRUE(first.keep_alive);
  kept.SendRaw("GET /livez HTTP/1.0\r\n\r\n");
  EXPECT_EQ(kept.Read().status, 200u);
}

TEST_F(ServerE2eTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  HttpClient client = Client();
  std::string body = UpsertBody("continue-1");
  client.SendRaw("POST /api/customEvents.upsert HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 admin_ +
                 "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(client.Read().status, 100u);
  client.SendRaw(body);
  HttpReply r = client.Read();
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(ServerE2eTest, KeysAddedWhileRunningAreAcceptedAndRevokedOnesRejected) {
  std::string key = AddKey(data_dir_, "ws");
  std::string target = "/api/customEvents.list?workspace_id=ws&email=a@x.com";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  unsigned status = 0;
  while (std::chrono::steady_clock::now() < deadline && status != 200) {
    status = Call(Get(target, key)).status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200u);
  std::string id = key.substr(4, 16);
  ASSERT_EQ(RunTally({"keys", "revoke", "--data-dir", data_dir_.string(), id}).exit_code, 0);
  server_->Signal(SIGHUP);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline && status != 401) {
    status = Call(Get(target, key)).status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 401u);
}

TEST_F(ServerE2eTest, MetricsAreInPrometheusTextFormat) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, UpsertBody("m-1"))).status, 200u);
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, "{")).status, 400u);
  HttpCall metrics;
  metrics.target = "/metrics";
  HttpReply r = Call(metrics);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4");
  for (const char* line : {
           "tally_http_requests_total{route=\"customEvents.upsert\",method=\"POST\",code=\"200\"} "
           "1\n",
           "tally_http_requests_total{route=\"customEvents.upsert\",method=\"POST\",code=\"400\"} "
           "1\n",
           "tally_events_ingested_total 1\n",
           "tally_events_rejected_total{reason=\"invalid_body\"} 1\n",
           "tally_http_request_duration_seconds_count{route=\"customEvents.upsert\"} 2\n",
           "tally_contacts 1\n",
           "tally_ready 1\n",
           "tally_build_info{version=\"",
       }) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line;
  }
}

class TimeoutE2eTest : public E2eTest {
 protected:
  std::vector<std::string> ServeFlags() const override {
    return {"--idle-timeout-ms", "200", "--header-timeout-ms", "200"};
  }
};

TEST_F(TimeoutE2eTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  HttpClient client = Client();
  HttpCall livez;
  livez.target = "/livez";
  ASSERT_EQ(client.Send(livez).status, 200u);
  EXPECT_TRUE(client.ClosedByServer(3000));
}

TEST_F(TimeoutE2eTest, SlowHeadersAreCutOffAfterTheHeaderTimeout) {
  HttpClient client = Client();
  client.SendRaw("GET /livez HTTP/1.1\r\nHost: x\r\n");  // never finishes the headers
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedByServer(3000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

class ConnectionLimitE2eTest : public E2eTest {
 protected:
  std::vector<std::string> ServeFlags() const override { return {"--connections-max", "2"}; }
};

TEST_F(ConnectionLimitE2eTest, ConnectionsOverTheLimitAreRefusedWithoutStarvingOthers) {
  HttpCall livez;
  livez.target = "/livez";
  // The start-up probe's connection may still be closing on the server: retry until two
  // connections are held.
  auto connect = [&] {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto client = std::make_unique<HttpClient>(server_->port());
      if (client->Send(livez).status == 200) {
        return client;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::unique_ptr<HttpClient>();
  };
  std::unique_ptr<HttpClient> first_held = connect();
  std::unique_ptr<HttpClient> second_held = connect();
  ASSERT_TRUE(first_held && second_held);
  HttpClient& first = *first_held;
  HttpClient& second = *second_held;
  HttpClient third = Client();
  EXPECT_TRUE(third.ClosedByServer(2000));
  EXPECT_EQ(first.Send(livez).status, 200u);
  EXPECT_EQ(second.Send(livez).status, 200u);
}

// With few file descriptors, accept fails with EMFILE: the server must back off instead of
// spinning on the error, and serve again once descriptors are free.
class FileDescriptorLimitE2eTest : public E2eTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
    rlimit low = saved_;
    low.rlim_cur = 64;  // inherited by the spawned server
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    E2eTest::SetUp();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  rlimit saved_{};
};

long CpuTicks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string field;
  long ticks = 0;
  for (int i = 1; i <= 15 && stat >> field; ++i) {
    if (i == 14 || i == 15) {
      ticks += std::stol(field);
    }
  }
  return ticks;
}

TEST_F(FileDescriptorLimitE2eTest, AcceptBacksOffOnEmfileAndRecovers) {
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::make_unique<HttpClient>(server_->port()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  long before = CpuTicks(server_->pid());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  long spent = CpuTicks(server_->pid()) - before;
  EXPECT_LT(spent, 20) << "the accept loop spins on EMFILE";  // ticks of 10 ms
  clients.clear();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  unsigned status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline) {
    HttpCall livez;
    livez.target = "/livez";
    status = Call(livez).status;
  }
  EXPECT_EQ(status, 200u);
  EXPECT_NE(server_->Stdout().find("out of file descriptors"), std::string::npos);
}

}  // namespace
}  // namespace tally::net::testing
