// ProgressMeter: reports the progress of a long operation (snapshot save, load, verify,
// restore, log verify) in the JSON log every 10% and, when stderr is a terminal, as one line
// redrawn in place on stderr (contract §1: progress on a terminal and in the logs).
//
// `serve` logs to stdout, so it does both. The offline commands log to stderr beside their
// drawn line; there (kDrawOrLog) a terminal gets the line and anything else the log lines.
//
// Update may be called from one thread at a time (the operation's); it is cheap when nothing
// is due. Not shared between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace tally::net {

class ProgressMeter {
 public:
  // `what` names the operation in both outputs ("loading snapshot"); `unit` is "bytes" (shown
  // in MiB) or any other plural noun (shown as a count).
  enum class Mode { kLogAndDraw, kDrawOrLog };
  ProgressMeter(std::string component, std::string what, std::string unit,
                Mode mode = Mode::kLogAndDraw);
  ~ProgressMeter();  // ends the terminal line if one was drawn
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  void Update(std::uint64_t done, std::uint64_t total);

  // A callback forwarding to Update; valid while this meter lives.
  std::function<void(std::uint64_t, std::uint64_t)> Callback() {
    return [this](std::uint64_t done, std::uint64_t total) { Update(done, total); };
  }

 private:
  std::string Amount(std::uint64_t n) const;

  const std::string component_;
  const std::string what_;
  const std::string unit_;
  const bool terminal_;
  const bool log_;
  int logged_decile_ = -1;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace tally::net
