#include "net/cli.h"

#include <fstream>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

// Parses `argv` (without the program name) the way main does.
void Parse(CLI::App& app, std::vector<std::string> argv) {
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  app.parse(reversed);
}

TEST(CliTest, ServeDefaultsPassValidation) {
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  Parse(app, {"serve", "--data-dir", "/tmp/x"});
  ASSERT_TRUE(ResolveServeEnums(args).ok());
  ASSERT_TRUE(args.serve.Validate().ok());
  EXPECT_EQ(args.serve.listen_host, "127.0.0.1");
  EXPECT_EQ(args.serve.listen_port, 8080);
  EXPECT_GE(args.serve.threads, 1u);
  EXPECT_EQ(args.serve.sync, log::SyncPolicy::kAlways);
  EXPECT_EQ(args.serve.body_bytes_max, 1u << 20);
  EXPECT_EQ(args.serve.header_bytes_max, 8u << 10);
}

TEST(CliTest, FlagsSetServeSettings) {
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  Parse(app, {"serve", "--data-dir", "/d", "--listen", "[::1]:0", "--sync", "interval",
              "--recovery", "point-in-time", "--threads", "3", "--body-bytes-max", "2048"});
  ASSERT_TRUE(ResolveServeEnums(args).ok());
  ASSERT_TRUE(args.serve.Validate().ok());
  EXPECT_EQ(args.serve.listen_host, "::1");
  EXPECT_EQ(args.serve.listen_port, 0);
  EXPECT_EQ(args.serve.sync, log::SyncPolicy::kInterval);
  EXPECT_EQ(args.serve.recovery, log::RecoveryMode::kPointInTime);
  EXPECT_EQ(args.serve.threads, 3u);
  EXPECT_EQ(args.serve.body_bytes_max, 2048u);
}

TEST(CliTest, EnvironmentAndConfigFileSetServeSettings) {
  TempDir dir;
  std::filesystem::path config = dir.path() / "tally.toml";
  std::ofstream(config) << "[serve]\nlisten = \"127.0.0.1:9999\"\nidle-timeout-ms = 1234\n";
  ::setenv("TALLY_DATA_DIR", "/from/env", 1);
  ::setenv("TALLY_THREADS", "5", 1);
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  Parse(app, {"--config", config.string(), "serve"});
  ::unsetenv("TALLY_DATA_DIR");
  ::unsetenv("TALLY_THREADS");
  EXPECT_EQ(args.serve.data_dir, "/from/env");
  EXPECT_EQ(args.serve.threads, 5u);
  EXPECT_EQ(args.serve.listen, "127.0.0.1:9999");
  EXPECT_EQ(args.serve.idle_timeout_ms, 1234u);
}

TEST(CliTest, FlagsWinOverTheConfigFileWhichWinsOverTheEnvironment) {
  TempDir dir;
  std::filesystem::path config = dir.path() / "tally.toml";
  std::ofstream(config) << "[serve]\nlisten = \"127.0.0.1:1111\"\nthreads = 3\n";
  ::setenv("TALLY_LISTEN", "127.0.0.1:2222", 1);
  ::setenv("TALLY_THREADS", "4", 1);
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  Parse(app, {"--config", config.string(), "serve", "--data-dir", "/d", "--threads", "7"});
  ::unsetenv("TALLY_LISTEN");
  ::unsetenv("TALLY_THREADS");
  EXPECT_EQ(args.serve.threads, 7u);
  EXPECT_EQ(args.serve.listen, "127.0.0.1:1111");
}

TEST(CliTest, UnknownSyncPolicyIsAUsageError) {
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  EXPECT_THROW(Parse(app, {"serve", "--data-dir", "/d", "--sync", "sometimes"}),
               CLI::ValidationError);
}

TEST(CliTest, ValidateNamesTheBadSetting) {
  ServeConfig c;
  c.data_dir = "/d";
  c.listen = "nohost";
  EXPECT_NE(c.Validate().message().find("--listen"), std::string_view::npos);
  c.listen = "127.0.0.1:70000";
  EXPECT_NE(c.Validate().message().find("--listen"), std::string_view::npos);
  c.listen = "127.0.0.1:1";
  c.body_bytes_max = 1;
  EXPECT_NE(c.Validate().message().find("--body-bytes-max"), std::string_view::npos);
  ServeConfig no_dir;
  EXPECT_NE(no_dir.Validate().message().find("--data-dir"), std::string_view::npos);
}

TEST(CliTest, KeysAddScopes) {
  KeysAddArgs a;
  EXPECT_EQ(a.Scopes(), kScopeRead | kScopeWrite);
  a.admin = true;
  EXPECT_EQ(a.Scopes(), kScopeRead | kScopeWrite | kScopeAdmin);
  a.admin = false;
  a.read_only = true;
  EXPECT_EQ(a.Scopes(), kScopeRead);
  a.read_only = false;
  a.write_only = true;
  EXPECT_EQ(a.Scopes(), kScopeWrite);
}

TEST(CliTest, ReadOnlyAndWriteOnlyExcludeEachOther) {
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  EXPECT_THROW(Parse(app, {"keys", "add", "--data-dir", "/d", "--workspace", "w", "--read-only",
                           "--write-only"}),
               CLI::ExcludesError);
}

}  // namespace
}  // namespace tally::net
