#include "log/logger.h"

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace tally {
namespace {

class LoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSink([this](std::string_view line) { lines_.emplace_back(line); });
    SetLogLevel(LogLevel::kInfo);
  }
  void TearDown() override {
    SetLogSink({});
    SetLogLevel(LogLevel::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(LoggerTest, WritesOneJsonObjectPerLine) {
  Log(LogLevel::kInfo, "log", "recovered", {{"segment", "00000001.tlog"}, {"bytes", 42}});
  ASSERT_EQ(lines_.size(), 1u);
  ASSERT_EQ(lines_[0].back(), '\n');
  boost::json::object o = boost::json::parse(lines_[0]).as_object();
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("component").as_string(), "log");
  EXPECT_EQ(o.at("msg").as_string(), "recovered");
  EXPECT_EQ(o.at("segment").as_string(), "00000001.tlog");
  EXPECT_EQ(o.at("bytes").as_int64(), 42);
  EXPECT_EQ(o.at("ts").as_string().size(), std::string("2026-01-01T00:00:00.000000Z").size());
}

TEST_F(LoggerTest, EscapesHostileValues) {
  Log(LogLevel::kWarn, "net", "bad \"request\"\n", {{"path", "/a\"b\n{}"}, {"ok", false}});
  ASSERT_EQ(lines_.size(), 1u);
  boost::json::object o = boost::json::parse(lines_[0]).as_object();
  EXPECT_EQ(o.at("msg").as_string(), "bad \"request\"\n");
  EXPECT_EQ(o.at("path").as_string(), "/a\"b\n{}");
  EXPECT_EQ(o.at("ok").as_bool(), false);
}

TEST_F(LoggerTest, DropsLinesBelowMinimumLevel) {
  Log(LogLevel::kDebug, "engine", "noise");
  SetLogLevel(LogLevel::kError);
  Log(LogLevel::kWarn, "engine", "still noise");
  EXPECT_TRUE(lines_.empty());
}

TEST(LogLevelTest, ParsesKnownNamesOnly) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
}

}  // namespace
}  // namespace tally
