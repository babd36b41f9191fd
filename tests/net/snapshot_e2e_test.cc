// End-to-end tests of snapshots with the real binary: POST /admin/snapshot and its auth,
// restart = snapshot + tail, kill -9 during a snapshot, `tally snapshot save|status|verify`,
// `tally restore`, and the erasure bound on disk.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>
#include <signal.h>

#include "tests/net/e2e_fixture.h"

namespace tally::net::testing {
namespace {

using SnapshotE2eTest = E2eTest;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string LastLine(const std::string& text) {
  std::string s = text;
  while (!s.empty() && s.back() == '\n') {
    s.pop_back();
  }
  std::size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

std::vector<std::filesystem::path> Snapshots(const std::filesystem::path& data_dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(data_dir / "snapshots")) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void FlipByte(const std::filesystem::path& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

// The `lsn` of a POST /admin/snapshot reply (asserting it is 200).
boost::json::object SnapshotNow(HttpClient& client, const std::string& key) {
  HttpReply r = client.Send(Post("/admin/snapshot", key, "{}"));
  EXPECT_EQ(r.status, 200u) << r.body;
  if (r.status != 200) {
    return {};
  }
  return boost::json::parse(r.body).as_object();
}

void Upsert(HttpClient& client, const std::string& key, const std::string& id,
            const std::string& email = "alice@example.com") {
  HttpReply r = client.Send(Post("/api/customEvents.upsert", key, UpsertBody(id, email)));
  ASSERT_EQ(r.status, 200u) << r.body;
}

std::string ListAll(HttpClient& client, const std::string& key) {
  HttpReply r = client.Send(
      Get("/api/customEvents.list?workspace_id=ws&email=alice@example.com&limit=100", key));
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.body;
}

TEST(SnapshotCommandsE2eTest, EachCommandHasHelpAndFailsInOneLineOnAMissingFile) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"snapshot", "--help"},
                                             {"snapshot", "save", "--help"},
                                             {"snapshot", "status", "--help"},
                                             {"snapshot", "verify", "--help"},
                                             {"restore", "--help"},
                                             {"log", "--help"},
                                             {"log", "verify", "--help"},
                                             {"log", "dump", "--help"}}) {
    CommandResult r = RunTally(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  }
  TempDir dir;
  const std::string missing = (dir.path() / "missing").string();
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"snapshot", "status", missing},
           {"snapshot", "verify", missing},
           {"restore", "--snapshot", missing, "--data-dir", (dir.path() / "new").string()},
           {"log", "verify", "--data-dir", missing},
           {"log", "dump", "--data-dir", missing},
           {"snapshot", "save", "--data-dir", missing}}) {
    CommandResult r = RunTally(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.substr(0, 7), "tally: ") << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "new"));
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(SnapshotE2eTest, AdminSnapshotNeedsAnAdminKeyAndReportsTheSnapshot) {
  HttpClient client = Client();
  HttpCall no_auth;
  no_auth.method = "POST";
  no_auth.target = "/admin/snapshot";
  no_auth.body = "{}";
  HttpReply missing = client.Send(no_auth);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.body, "{\"error\":\"Authorization header is required\"}\n");
  EXPECT_EQ(client.Send(Post("/admin/snapshot", "tly_nope", "{}")).status, 401u);
  for (const std::string& key : {read_only_, write_only_, other_}) {
    HttpReply r = client.Send(Post("/admin/snapshot", key, "{}"));
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_NE(r.body.find("admin"), std::string::npos) << r.body;
  }
  HttpCall get = Get("/admin/snapshot", admin_);
  EXPECT_EQ(client.Send(get).status, 405u);

  Upsert(client, admin_, "a-1");
  Upsert(client, admin_, "a-2", "bob@example.com");
  boost::json::object report = SnapshotNow(client, admin_);
  std::vector<std::string> keys;
  for (const auto& m : report) {
    keys.emplace_back(m.key());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"path", "lsn", "events", "contacts", "workspaces",
                                            "timeline_entries", "segments", "bytes", "hash",
                                            "duration_ms"}));
  EXPECT_EQ(report.at("lsn").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(report.at("events").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(report.at("contacts").to_number<std::uint64_t>(), 2u);
  std::string hash(report.at("hash").as_string());
  EXPECT_EQ(hash.size(), 16u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << hash;
  std::filesystem::path path(std::string(report.at("path").as_string()));
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  EXPECT_EQ(std::filesystem::file_size(path), report.at("bytes").to_number<std::uint64_t>());

  CommandResult verify = RunTally({"snapshot", "verify", path.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("hash: " + hash), std::string::npos) << verify.out;
  CommandResult status = RunTally({"snapshot", "status", path.string()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("lsn: 2\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("created_at: "), std::string::npos) << status.out;
}

TEST_F(SnapshotE2eTest, RestartLoadsTheSnapshotAndReplaysOnlyTheTail) {
  HttpClient client = Client();
  for (int i = 0; i < 20; ++i) {
    Upsert(client, admin_, "r-" + std::to_string(i));
  }
  SnapshotNow(client, admin_);
  for (int i = 20; i < 25; ++i) {
    Upsert(client, admin_, "r-" + std::to_string(i));
  }
  const std::string before = ListAll(client, admin_);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0) << server_->Stderr();
  StartServer();
  HttpClient after = Client();
  EXPECT_EQ(ListAll(after, admin_), before);
  const std::string out = server_->Stdout();
  EXPECT_NE(out.find("\"msg\":\"loading snapshot\""), std::string::npos) << out;
}

// True once a temporary snapshot file appears (a save is being written), polling for `limit`.
bool WaitForTempFile(const std::filesystem::path& data_dir, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& file : Snapshots(data_dir)) {
      if (file.filename().string().starts_with("incomplete-")) {
        return true;
      }
    }
  }
  return false;
}

TEST_F(SnapshotE2eTest, KillDuringASnapshotKeepsThePreviousOneAndEveryAcknowledgedWrite) {
  std::set<std::string> acknowledged;
  HttpClient client = Client();
  // About a megabyte of state, so that writing a snapshot takes long enough to be caught.
  const std::string pad(400, 'p');
  for (int batch = 0; batch < 40; ++batch) {
    std::string body = R"({"workspace_id":"ws","events":[)";
    for (int i = 0; i < 50; ++i) {
      body += std::string(i == 0 ? "" : ",") + R"({"email":"user)" + std::to_string(i) +
              R"(@example.com","event_name":"orders/completed","external_id":"pad-)" +
              std::to_string(batch * 50 + i) +
              R"(","occurred_at":"2024-05-01T10:00:00Z","properties":{"pad":")" + pad + R"("}})";
    }
    body += "]}";
    ASSERT_EQ(client.Send(Post("/api/customEvents.import", admin_, body)).status, 201u);
  }
  SnapshotNow(client, admin_);
  int caught = 0;
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> stop{false};
    // Both connect before the kill: a connection refused would throw in the thread.
    auto w = std::make_unique<HttpClient>(server_->port());
    auto s = std::make_unique<HttpClient>(server_->port());
    std::thread writer([&] {
      for (int i = 0; !stop.load(); ++i) {
        std::string id = "k-" + std::to_string(round) + "-" + std::to_string(i);
        HttpReply r = w->Send(Post("/api/customEvents.upsert", admin_, UpsertBody(id)));
        if (r.connection_closed) {
          return;
        }
        if (r.status == 200) {
          acknowledged.insert(id);
        }
      }
    });
    std::thread snapshotter([&] { s->Send(Post("/admin/snapshot", admin_, "{}")); });
    const bool during = WaitForTempFile(data_dir_, std::chrono::seconds(3));
    server_->Signal(SIGKILL);
    EXPECT_EQ(server_->Wait(), 128 + SIGKILL);
    caught += during ? 1 : 0;
    stop = true;
    writer.join();
    snapshotter.join();
    // No temporary file may carry a final name: every published snapshot verifies.
    std::size_t published = 0;
    for (const auto& file : Snapshots(data_dir_)) {
      if (file.extension() == ".tsnap") {
        ++published;
        CommandResult v = RunTally({"snapshot", "verify", file.string()});
        EXPECT_EQ(v.exit_code, 0) << file << ": " << v.err;
      }
    }
    EXPECT_GE(published, 1u);
    StartServer();
    for (const auto& file : Snapshots(data_dir_)) {
      EXPECT_FALSE(file.filename().string().starts_with("incomplete-")) << file;
    }
    if (during) {
      EXPECT_NE(server_->Stdout().find("removed the temporary file of an interrupted snapshot"),
                std::string::npos);
    }
    HttpClient after = Client();
    for (const std::string& id : acknowledged) {
      HttpReply r = after.Send(
          Get("/api/customEvents.get?workspace_id=ws&event_name=orders/completed&external_id=" + id,
              admin_));
      ASSERT_EQ(r.status, 200u) << "acknowledged write lost: " << id;
    }
    EXPECT_EQ(after
                  .Send(Get("/api/customEvents.get?workspace_id=ws&event_name=orders/"
                            "completed&external_id=pad-1999",
                            admin_))
                  .status,
              200u);
  }
  EXPECT_GE(caught, 1) << "no round killed the server while a snapshot was being written";
}

TEST_F(SnapshotE2eTest, SnapshotSaveCallsTheServerOrRefusesToRunBesideIt) {
  HttpClient client = Client();
  Upsert(client, admin_, "s-1");
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port());
  CommandResult online = RunTally({"snapshot", "save", "--server", url, "--key", admin_});
  ASSERT_EQ(online.exit_code, 0) << online.err;
  EXPECT_NE(online.out.find("lsn: 1\n"), std::string::npos) << online.out;
  EXPECT_NE(online.out.find("hash: "), std::string::npos) << online.out;
  EXPECT_NE(online.out.find("path: "), std::string::npos) << online.out;

  CommandResult forbidden = RunTally({"snapshot", "save", "--server", url, "--key", read_only_});
  EXPECT_EQ(forbidden.exit_code, 1);
  EXPECT_NE(LastLine(forbidden.err).find("server answered 403"), std::string::npos)
      << forbidden.err;

  CommandResult offline = RunTally({"snapshot", "save", "--data-dir", data_dir_.string()});
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_NE(
      LastLine(offline.err)
          .find("in use by another tally process (pid " + std::to_string(server_->pid()) + ")"),
      std::string::npos)
      << offline.err;

  CommandResult usage = RunTally({"snapshot", "save"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(LastLine(usage.err).substr(0, 7), "tally: ");
}

TEST_F(SnapshotE2eTest, OfflineSaveWithTheServerStoppedMatchesTheLog) {
  HttpClient client = Client();
  for (int i = 0; i < 10; ++i) {
    Upsert(client, admin_, "o-" + std::to_string(i));
  }
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  CommandResult offline = RunTally({"snapshot", "save", "--data-dir", data_dir_.string()});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_NE(offline.out.find("lsn: 10\n"), std::string::npos) << offline.out;
  EXPECT_NE(offline.out.find("events: 10\n"), std::string::npos) << offline.out;
  ASSERT_EQ(Snapshots(data_dir_).size(), 1u);
}

TEST_F(SnapshotE2eTest, VerifyAndStartUpDetectAFlippedByte) {
  HttpClient client = Client();
  for (int i = 0; i < 10; ++i) {
    Upsert(client, admin_, "f-" + std::to_string(i));
  }
  boost::json::object older = SnapshotNow(client, admin_);
  Upsert(client, admin_, "f-10");
  boost::json::object newer = SnapshotNow(client, admin_);
  const std::string before = ListAll(client, admin_);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  const std::filesystem::path path(std::string(newer.at("path").as_string()));
  FlipByte(path, std::filesystem::file_size(path) - 40);
  CommandResult verify = RunTally({"snapshot", "verify", path.string()});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(LastLine(verify.err).find("is damaged"), std::string::npos) << verify.err;
  StartServer();
  HttpClient after = Client();
  EXPECT_EQ(ListAll(after, admin_), before);
  const std::string out = server_->Stdout();
  EXPECT_NE(out.find("falling back to the previous one"), std::string::npos) << out;
  EXPECT_NE(out.find(path.filename().string()), std::string::npos) << out;
}

TEST_F(SnapshotE2eTest, RestoreServesExactlyTheStateAtTheSnapshotsLsn) {
  HttpClient client = Client();
  for (int i = 0; i < 15; ++i) {
    Upsert(client, admin_, "p-" + std::to_string(i));
  }
  boost::json::object report = SnapshotNow(client, admin_);
  const std::string at_snapshot = ListAll(client, admin_);
  for (int i = 15; i < 20; ++i) {
    Upsert(client, admin_, "p-" + std::to_string(i));
  }
  ASSERT_NE(ListAll(client, admin_), at_snapshot);
  const std::string snapshot(report.at("path").as_string());

  // A damaged file and a non-empty directory are refused, with one line on stderr.
  const std::filesystem::path damaged = dir_.path() / "damaged.tsnap";
  std::filesystem::copy_file(snapshot, damaged);
  FlipByte(damaged, std::filesystem::file_size(damaged) / 2);
  const std::filesystem::path restored = dir_.path() / "restored";
  CommandResult bad =
      RunTally({"restore", "--snapshot", damaged.string(), "--data-dir", restored.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(LastLine(bad.err).find("is damaged"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(restored / "log"));
  std::filesystem::create_directories(restored);
  std::ofstream(restored / "something") << "x";
  CommandResult busy =
      RunTally({"restore", "--snapshot", snapshot, "--data-dir", restored.string()});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(LastLine(busy.err).find("not empty"), std::string::npos) << busy.err;

  CommandResult ok =
      RunTally({"restore", "--snapshot", snapshot, "--data-dir", restored.string(), "--force"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("tally keys add --data-dir " + restored.string()), std::string::npos)
      << ok.out;
  const std::string key = AddKey(restored, "ws", {"--admin"});
  TallyProcess second(restored);
  ASSERT_TRUE(second.Start()) << second.Stderr();
  HttpClient second_client(second.port());
  EXPECT_EQ(ListAll(second_client, key), at_snapshot);
  // The restored log continues after the snapshot's LSN.
  Upsert(second_client, key, "after-restore");
  boost::json::object next = SnapshotNow(second_client, key);
  EXPECT_EQ(next.at("lsn").to_number<std::uint64_t>(),
            report.at("lsn").to_number<std::uint64_t>() + 1);
}

TEST_F(SnapshotE2eTest, LogVerifyNamesTheLsnOfAFlippedByteAndDumpPrintsJsonLines) {
  HttpClient client = Client();
  for (int i = 1; i <= 6; ++i) {
    Upsert(client, admin_, "lv-" + std::to_string(i));
  }
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  CommandResult clean = RunTally({"log", "verify", "--data-dir", data_dir_.string()});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("records: 6\n"), std::string::npos) << clean.out;

  CommandResult dump =
      RunTally({"log", "dump", "--data-dir", data_dir_.string(), "--from", "2", "--limit", "3"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::istringstream lines(dump.out);
  std::uint64_t expected = 2;
  for (std::string line; std::getline(lines, line); ++expected) {
    boost::json::object o = boost::json::parse(line).as_object();
    EXPECT_EQ(o.at("lsn").to_number<std::uint64_t>(), expected);
    EXPECT_EQ(o.at("type").as_string(), "EventWrite");
    EXPECT_EQ(o.at("body").at("event").at("external_id").as_string(),
              "lv-" + std::to_string(expected));
  }
  EXPECT_EQ(expected, 5u);

  // Flip a byte inside the third record's payload (its external_id).
  std::filesystem::path segment;
  for (const auto& e : std::filesystem::directory_iterator(data_dir_ / "log")) {
    if (e.path().extension() == ".tlog" && ReadAll(e.path()).find("lv-3") != std::string::npos) {
      segment = e.path();
    }
  }
  ASSERT_FALSE(segment.empty());
  FlipByte(segment, ReadAll(segment).find("lv-3") + 1);
  CommandResult damaged = RunTally({"log", "verify", "--data-dir", data_dir_.string()});
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_NE(damaged.out.find("LSN 3: payload checksum mismatch"), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find(segment.filename().string()), std::string::npos) << damaged.out;
  EXPECT_NE(LastLine(damaged.err).find("LSN 3"), std::string::npos) << damaged.err;
}

class ErasureE2eTest : public E2eTest {
 protected:
  std::vector<std::string> ServeFlags() const override {
    return {"--erase-within", "2s", "--segment-bytes", "1048576"};
  }
};

TEST_F(ErasureE2eTest, AfterTheBoundNoFileUnderTheDataDirectoryHoldsTheErasedEmail) {
  HttpClient client = Client();
  const std::string victim = "erase-me-9f3a@example.com";
  Upsert(client, admin_, "v-1", victim);
  Upsert(client, admin_, "v-2", victim);
  for (int i = 0; i < 20; ++i) {
    Upsert(client, admin_, "o-" + std::to_string(i), "other@example.com");
  }
  SnapshotNow(client, admin_);  // a kept snapshot that holds the victim
  Upsert(client, admin_, "o-20", "other@example.com");
  auto holders = [&] {
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir_)) {
      if (e.is_regular_file() && ReadAll(e.path()).find(victim) != std::string::npos) {
        found.push_back(e.path().string());
      }
    }
    return found;
  };
  ASSERT_FALSE(holders().empty());
  HttpReply erased = client.Send(
      Post("/api/contacts.delete", admin_, R"({"workspace_id":"ws","email":")" + victim + R"("})"));
  ASSERT_EQ(erased.status, 200u) << erased.body;
  const auto erased_at = std::chrono::steady_clock::now();
  std::vector<std::string> left = holders();
  while (!left.empty() && std::chrono::steady_clock::now() - erased_at < std::chrono::seconds(15)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    left = holders();
  }
  EXPECT_TRUE(left.empty()) << left.front();
  EXPECT_GE(std::chrono::steady_clock::now() - erased_at,
            std::chrono::seconds(2) - std::chrono::milliseconds(100));
  // The rest of the state is intact and survives a restart.
  const std::string other =
      client
          .Send(Get("/api/customEvents.list?workspace_id=ws&email=other@example.com&limit=100",
                    admin_))
          .body;
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  EXPECT_NE(server_->Stdout().find("erased data purged"), std::string::npos);
  StartServer();
  EXPECT_EQ(
      Client()
          .Send(Get("/api/customEvents.list?workspace_id=ws&email=other@example.com&limit=100",
                    admin_))
          .body,
      other);
  EXPECT_EQ(
      Client().Send(Get("/api/contacts.getByEmail?workspace_id=ws&email=" + victim, admin_)).status,
      404u);
}

class AutomaticSnapshotE2eTest : public E2eTest {
 protected:
  std::vector<std::string> ServeFlags() const override {
    return {"--snapshot-every-records", "10", "--snapshot-keep", "1"};
  }
};

TEST_F(AutomaticSnapshotE2eTest, ASnapshotFollowsEveryTenRecordsAndOnlyTheNewestIsKept) {
  HttpClient client = Client();
  auto wait_for = [&](const std::string& name) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<std::filesystem::path> files = Snapshots(data_dir_);
    while (std::chrono::steady_clock::now() < deadline &&
           (files.size() != 1 || files[0].filename() != name)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      files = Snapshots(data_dir_);
    }
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].filename(), name);
  };
  for (int i = 1; i <= 10; ++i) {
    Upsert(client, admin_, "auto-" + std::to_string(i));
  }
  wait_for("snapshot-00000000000000000010.tsnap");
  for (int i = 11; i <= 19; ++i) {
    Upsert(client, admin_, "auto-" + std::to_string(i));
  }
  // Nine records since the newest snapshot: below the policy, so none for a few ticks.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  wait_for("snapshot-00000000000000000010.tsnap");
  Upsert(client, admin_, "auto-20");
  wait_for("snapshot-00000000000000000020.tsnap");
}

}  // namespace
}  // namespace tally::net::testing
