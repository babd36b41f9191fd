#include "net/progress_meter.h"

#include <algorithm>
#include <cstdio>

#include <unistd.h>

#include "log/logger.h"

namespace tally::net {
namespace {

// Redrawing more often than this only costs terminal output nobody can read.
constexpr auto kDrawInterval = std::chrono::milliseconds(100);

}  // namespace

ProgressMeter::ProgressMeter(std::string component, std::string what, std::string unit, Mode mode)
    : component_(std::move(component)),
      what_(std::move(what)),
      unit_(std::move(unit)),
      terminal_(::isatty(STDERR_FILENO) == 1),
      log_(mode == Mode::kLogAndDraw || !terminal_) {}

ProgressMeter::~ProgressMeter() {
  if (drawn_) {
    std::fputc('\n', stderr);
  }
}

std::string ProgressMeter::Amount(std::uint64_t n) const {
  if (unit_ == "bytes") {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(n) / (1 << 20));
    return text;
  }
  return std::to_string(n) + " " + unit_;
}

void ProgressMeter::Update(std::uint64_t done, std::uint64_t total) {
  const int percent = total == 0 ? 100 : static_cast<int>(std::min(done, total) * 100 / total);
  const int decile = percent / 10;
  if (log_ && decile > logged_decile_) {
    logged_decile_ = decile;
    Log(LogLevel::kInfo, component_, what_ + ": progress",
        {{"percent", percent}, {"done", done}, {"total", total}, {"unit", unit_}});
  }
  if (!terminal_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total && now - last_draw_ < kDrawInterval) {
    return;
  }
  last_draw_ = now;
  drawn_ = true;
  std::fprintf(stderr, "\r%s: %3d%% (%s of %s)\x1b[K", what_.c_str(), percent, Amount(done).c_str(),
               Amount(total).c_str());
  std::fflush(stderr);
}

}  // namespace tally::net
