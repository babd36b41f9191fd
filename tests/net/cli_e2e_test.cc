// End-to-end tests of the `tally` command line: --help, --version, exit codes, keys commands.
#include <gtest/gtest.h>

#include "tests/net/tally_process.h"
#include "tests/net/temp_dir.h"

namespace tally::net::testing {
namespace {

std::size_t Lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(CliE2eTest, HelpAndVersionExitZero) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--help"}, {"serve", "--help"}, {"keys", "--help"}, {"keys", "add", "--help"}}) {
    CommandResult r = RunTally(args);
    EXPECT_EQ(r.exit_code, 0) << args.back();
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  }
  CommandResult v = RunTally({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.substr(0, 6), "tally ");
}

TEST(CliE2eTest, UsageErrorsExitTwoWithOneLineOnStderr) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"serve"},
           {"serve", "--data-dir", "/tmp/x", "--sync", "sometimes"},
           {"serve", "--data-dir", "/tmp/x", "--threads", "100000"},
           {"serve", "--data-dir", "/tmp/x", "--write-workers", "0"},
           {"serve", "--data-dir", "/tmp/x", "--listen", "localhost"},
           {"keys", "add", "--data-dir", "/tmp/x"},
       }) {
    CommandResult r = RunTally(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.substr(0, 7), "tally: ") << r.err;
  }
}

TEST(CliE2eTest, KeysAddPrintsTheKeyAloneOnTheLastLineAndListNeverShowsIt) {
  TempDir dir;
  CommandResult add =
      RunTally({"keys", "add", "--data-dir", dir.path().string(), "--workspace", "dev", "--admin"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  std::string out = add.out.substr(0, add.out.size() - 1);
  std::string key = out.substr(out.rfind('\n') + 1);
  EXPECT_EQ(key.substr(0, 4), "tly_");
  EXPECT_EQ(key.find(' '), std::string::npos);
  EXPECT_NE(add.out.find("scopes: read,write,admin"), std::string::npos);
  CommandResult list = RunTally({"keys", "list", "--data-dir", dir.path().string()});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find(key.substr(4, 16)), std::string::npos);
  EXPECT_EQ(list.out.find(key.substr(20)), std::string::npos);
  CommandResult revoke = RunTally({"keys", "revoke", "--data-dir", dir.path().string(), "nope"});
  EXPECT_EQ(revoke.exit_code, 1);
  EXPECT_EQ(Lines(revoke.err), 1u);
}

TEST(CliE2eTest, ServeFailsWithExitOneWhenItCannotListen) {
  TempDir dir;
  TallyProcess first(dir.path() / "a");
  ASSERT_TRUE(first.Start());
  CommandResult second = RunTally({"serve", "--data-dir", (dir.path() / "b").string(), "--listen",
                                   "127.0.0.1:" + std::to_string(first.port())});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(Lines(second.err), 1u) << second.err;
}

}  // namespace
}  // namespace tally::net::testing
