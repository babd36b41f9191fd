// The command line of snapshots: serve's snapshot flags and `snapshot save`'s exclusive modes.
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "net/cli.h"

namespace tally::net {
namespace {

void Parse(CLI::App& app, std::vector<std::string> argv) {
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  app.parse(reversed);
}

std::uint64_t EraseWithin(std::vector<std::string> flags) {
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  std::vector<std::string> argv{"serve", "--data-dir", "/d"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  Parse(app, argv);
  EXPECT_TRUE(args.serve.Validate().ok());
  return args.serve.erase_within_s;
}

TEST(CliSnapshotTest, EraseWithinTakesADurationWithAUnitAndDefaultsToADay) {
  EXPECT_EQ(EraseWithin({}), 86400u);
  EXPECT_EQ(EraseWithin({"--erase-within", "30s"}), 30u);
  EXPECT_EQ(EraseWithin({"--erase-within", "15m"}), 900u);
  EXPECT_EQ(EraseWithin({"--erase-within", "24h"}), 86400u);
  EXPECT_EQ(EraseWithin({"--erase-within", "7d"}), 7u * 86400);
  EXPECT_THROW(EraseWithin({"--erase-within", "24"}), CLI::ParseError);
  EXPECT_THROW(EraseWithin({"--erase-within", "5w"}), CLI::ParseError);
}

TEST(CliSnapshotTest, SnapshotSettingsOutsideTheirLimitsAreUsageErrors) {
  for (std::vector<std::string> flags : std::vector<std::vector<std::string>>{
           {"--snapshot-keep", "0"},
           {"--snapshot-keep", "1001"},
           {"--erase-within", "0s"},
           {"--erase-within", "366d"},
       }) {
    CLI::App app;
    CliArgs args;
    DefineCli(app, args);
    std::vector<std::string> argv{"serve", "--data-dir", "/d"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    Parse(app, argv);
    Status s = args.serve.Validate();
    EXPECT_TRUE(s.IsInvalidArgument()) << flags[0] << " " << flags[1];
    EXPECT_NE(s.message().find(flags[0]), std::string::npos) << s.ToString();
  }
}

TEST(CliSnapshotTest, AutomaticSnapshotsAreOffByDefault) {
  CLI::App app;
  CliArgs args;
  DefineCli(app, args);
  Parse(app, {"serve", "--data-dir", "/d"});
  EXPECT_EQ(args.serve.snapshot_keep, 2u);
  EXPECT_EQ(args.serve.snapshot_every_records, 0u);
  EXPECT_EQ(args.serve.snapshot_every_minutes, 0u);
}

TEST(CliSnapshotTest, SnapshotSaveTakesEitherADataDirectoryOrAServerWithAKey) {
  auto parses = [](std::vector<std::string> argv) {
    CLI::App app;
    CliArgs args;
    DefineCli(app, args);
    try {
      Parse(app, argv);
    } catch (const CLI::ParseError&) {
      return false;
    }
    return true;
  };
  EXPECT_TRUE(parses({"snapshot", "save", "--data-dir", "/d"}));
  EXPECT_TRUE(parses({"snapshot", "save", "--server", "http://h:1", "--key", "k"}));
  EXPECT_FALSE(parses({"snapshot", "save", "--data-dir", "/d", "--server", "http://h:1"}));
  EXPECT_FALSE(parses({"snapshot", "save", "--server", "http://h:1"}));
  EXPECT_FALSE(parses({"snapshot", "save", "--key", "k"}));
  EXPECT_FALSE(parses({"snapshot", "status"}));
  EXPECT_FALSE(parses({"restore", "--snapshot", "f"}));
  EXPECT_TRUE(parses({"restore", "--snapshot", "f", "--data-dir", "/d", "--force"}));
  EXPECT_TRUE(parses({"log", "dump", "--data-dir", "/d", "--from", "5", "--limit", "2"}));
  EXPECT_FALSE(parses({"log", "dump", "--data-dir", "/d", "--from", "0"}));
}

}  // namespace
}  // namespace tally::net
