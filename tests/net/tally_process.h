// TallyProcess: runs the real `tally` binary (path from the TALLY_BINARY compile definition)
// for end-to-end tests. Serve starts on 127.0.0.1:0 with the given data directory; the bound
// port is read from the "listening" JSON log line and Start returns once /readyz is 200.
// stdout and stderr go to files in the data directory's parent. The destructor SIGKILLs a
// process still running. For tests only; one thread per instance.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tally::net::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `tally args...` to completion.
CommandResult RunTally(const std::vector<std::string>& args);

// `tally keys add --data-dir DIR --workspace WS [flags...]`; returns the key (last stdout line).
std::string AddKey(const std::filesystem::path& data_dir, const std::string& workspace,
                   const std::vector<std::string>& flags = {});

class TallyProcess {
 public:
  TallyProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  ~TallyProcess();
  TallyProcess(const TallyProcess&) = delete;
  TallyProcess& operator=(const TallyProcess&) = delete;

  // Spawns serve and waits (up to 30 s) for it to be ready; false if it exited or timed out.
  bool Start();
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  void Signal(int signal);
  // Waits for exit; returns the exit code (128 + signal when killed by one).
  int Wait();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace tally::net::testing
