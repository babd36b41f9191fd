// End-to-end durability: restart recovers every acknowledged write, SIGKILL under load loses
// none (--sync always), SIGTERM drains requests in flight and exits 0.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <signal.h>
#include <sys/wait.h>

#include "tests/net/e2e_fixture.h"

namespace tally::net::testing {
namespace {

using DurabilityE2eTest = E2eTest;

// Upserts from `threads` connections until `stop`; records every acknowledged external_id.
class Load {
 public:
  Load(std::uint16_t port, std::string key, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, port, key, t] {
        HttpClient client(port);
        for (int i = 0; !stop_.load(); ++i) {
          std::string id = "k-" + std::to_string(t) + "-" + std::to_string(i);
          HttpReply r = client.Send(Post("/api/customEvents.upsert", key, UpsertBody(id)));
          if (r.connection_closed) {
            return;  // the server is gone or draining
          }
          if (r.status == 200) {
            std::lock_guard lock(mu_);
            acknowledged_.insert(id);
          }
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }
  std::size_t Count() {
    std::lock_guard lock(mu_);
    return acknowledged_.size();
  }
  std::set<std::string> Acknowledged() {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> acknowledged_;
  std::vector<std::thread> threads_;
};

void WaitForAcknowledged(Load& load, std::size_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (load.Count() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ExpectAllPresent(std::uint16_t port, const std::string& key,
                      const std::set<std::string>& ids) {
  HttpClient client(port);
  std::size_t missing = 0;
  for (const std::string& id : ids) {
    HttpReply r = client.Send(
        Get("/api/customEvents.get?workspace_id=ws&event_name=orders/completed&external_id=" + id,
            key));
    if (r.status != 200) {
      ++missing;
      ADD_FAILURE() << "acknowledged write lost: " << id << " -> " << r.status;
      if (missing > 5) {
        return;
      }
    }
  }
}

TEST_F(DurabilityE2eTest, RestartRecoversEveryAcknowledgedWrite) {
  std::set<std::string> ids;
  HttpClient client = Client();
  for (int i = 0; i < 200; ++i) {
    std::string id = "r-" + std::to_string(i);
    ASSERT_EQ(client.Send(Post("/api/customEvents.upsert", admin_, UpsertBody(id))).status, 200u);
    ids.insert(id);
  }
  ASSERT_EQ(
      Call(Post("/api/contacts.delete", admin_, R"({"workspace_id":"ws","email":"nobody@x.com"})"))
          .status,
      404u);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0) << server_->Stderr();
  StartServer();
  ExpectAllPresent(server_->port(), admin_, ids);
}

TEST_F(DurabilityE2eTest, SigkillUnderLoadLosesNoAcknowledgedWrite) {
  Load load(server_->port(), admin_, 8);
  WaitForAcknowledged(load, 300);
  server_->Signal(SIGKILL);
  EXPECT_EQ(server_->Wait(), 128 + SIGKILL);
  load.Stop();
  std::set<std::string> ids = load.Acknowledged();
  ASSERT_GE(ids.size(), 300u);
  StartServer();
  ExpectAllPresent(server_->port(), admin_, ids);
}

TEST_F(DurabilityE2eTest, SigtermDrainsRequestsInFlightAndExitsZero) {
  Load load(server_->port(), admin_, 8);
  WaitForAcknowledged(load, 200);
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 0) << server_->Stderr();
  load.Stop();
  std::string out = server_->Stdout();
  EXPECT_NE(out.find("\"msg\":\"stopped\",\"drained\":true"), std::string::npos) << out;
  std::set<std::string> ids = load.Acknowledged();
  StartServer();
  ExpectAllPresent(server_->port(), admin_, ids);
}

class SlowDrainE2eTest : public E2eTest {
 protected:
  std::vector<std::string> ServeFlags() const override { return {"--drain-timeout-ms", "60000"}; }
};

// A client that does not read its responses keeps a drain waiting; a second signal ends the
// process at once instead of waiting for the drain timeout.
TEST_F(SlowDrainE2eTest, DrainWaitsForResponsesInFlightAndASecondSignalExitsAtOnce) {
  std::string big(60'000, 'x');
  HttpClient writer = Client();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(writer
                  .Send(Post("/api/customEvents.upsert", admin_,
                             UpsertBody("big-" + std::to_string(i), "big@x.com",
                                        R"(,"properties":{"pad":")" + big + R"("})")))
                  .status,
              200u);
  }
  // About 18 MB of responses, more than the loopback socket buffers hold, never read.
  HttpClient stalled = Client();
  std::string list;
  for (int i = 0; i < 3; ++i) {
    list +=
        "GET /api/customEvents.list?workspace_id=ws&email=big@x.com&limit=100 HTTP/1.1\r\n"
        "Host: x\r\nAuthorization: Bearer " +
        admin_ + "\r\n\r\n";
  }
  stalled.SendRaw(list);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_->Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int status = 0;
  ASSERT_EQ(::waitpid(server_->pid(), &status, WNOHANG), 0) << "the drain did not wait";
  auto start = std::chrono::steady_clock::now();
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(server_->Stdout().find("second signal"), std::string::npos);
}

TEST_F(DurabilityE2eTest, LogsAreJsonLinesWithoutKeys) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, UpsertBody("x-1"))).status, 200u);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  std::string out = server_->Stdout();
  EXPECT_EQ(out.find(admin_.substr(20)), std::string::npos);
  std::istringstream lines(out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_NE(line.find("\"level\":"), std::string::npos) << line;
  }
  EXPECT_GE(n, 4);
}

}  // namespace
}  // namespace tally::net::testing
