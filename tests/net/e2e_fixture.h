// E2eTest: a gtest fixture that starts the real `tally serve` on a loopback port with a fresh
// data directory and API keys for workspace "ws" (admin = read+write+admin, read_only,
// write_only) and for workspace "other". For tests only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/net/http_client.h"
#include "tests/net/tally_process.h"
#include "tests/net/temp_dir.h"

namespace tally::net::testing {

// A valid upsert body for workspace "ws"; `extra` is appended inside the object.
inline std::string UpsertBody(const std::string& external_id,
                              const std::string& email = "alice@example.com",
                              const std::string& extra = "") {
  return R"({"workspace_id":"ws","email":")" + email +
         R"(","event_name":"orders/completed","external_id":")" + external_id +
         R"(","occurred_at":"2024-05-01T10:00:00Z")" + extra + "}";
}

class E2eTest : public ::testing::Test {
 protected:
  // Extra `serve` flags for this fixture's server.
  virtual std::vector<std::string> ServeFlags() const { return {}; }

  void SetUp() override {
    data_dir_ = dir_.path() / "data";
    admin_ = AddKey(data_dir_, "ws", {"--admin"});
    read_only_ = AddKey(data_dir_, "ws", {"--read-only"});
    write_only_ = AddKey(data_dir_, "ws", {"--write-only"});
    other_ = AddKey(data_dir_, "other");
    StartServer();
  }

  void StartServer() {
    server_ = std::make_unique<TallyProcess>(data_dir_, ServeFlags());
    ASSERT_TRUE(server_->Start()) << server_->Stderr() << server_->Stdout();
  }

  HttpClient Client() { return HttpClient(server_->port()); }
  HttpReply Call(const HttpCall& call) { return Client().Send(call); }

  TempDir dir_;
  std::filesystem::path data_dir_;
  std::string admin_, read_only_, write_only_, other_;
  std::unique_ptr<TallyProcess> server_;
};

}  // namespace tally::net::testing
