#include "net/progress_meter.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "log/logger.h"

namespace tally::net {
namespace {

TEST(ProgressMeterTest, LogsOncePerTenPercentWhateverTheNumberOfUpdates) {
  std::vector<std::string> lines;
  SetLogLevel(LogLevel::kInfo);
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  {
    ProgressMeter meter("test", "loading", "bytes", ProgressMeter::Mode::kLogAndDraw);
    auto progress = meter.Callback();
    for (std::uint64_t done = 0; done <= 1000; ++done) {
      progress(done, 1000);
    }
  }
  SetLogSink({});
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_NE(lines.front().find("\"msg\":\"loading: progress\",\"percent\":0"), std::string::npos)
      << lines.front();
  EXPECT_NE(lines.back().find("\"percent\":100"), std::string::npos) << lines.back();
}

TEST(ProgressMeterTest, AnEmptyTotalIsDone) {
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  {
    ProgressMeter meter("test", "verifying", "segments");
    meter.Update(0, 0);
  }
  SetLogSink({});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"percent\":100"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace tally::net
