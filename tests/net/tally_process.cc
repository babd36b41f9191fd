#include "tests/net/tally_process.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json/parse.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/assert.h"
#include "tests/net/http_client.h"

extern char** environ;

namespace tally::net::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Spawns TALLY_BINARY with args, stdout/stderr redirected to files.
pid_t Spawn(const std::vector<std::string>& args, const std::filesystem::path& out,
            const std::filesystem::path& err) {
  std::vector<std::string> argv_strings{TALLY_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, TALLY_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  TALLY_ASSERT_MSG(rc == 0, "posix_spawn of the tally binary failed");
  return pid;
}

int WaitPid(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    TALLY_ASSERT(errno == EINTR);
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return 128 + WTERMSIG(status);
}

}  // namespace

CommandResult RunTally(const std::vector<std::string>& args) {
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  std::string stem = "tally-cmd-" + std::to_string(::getpid()) + "-" +
                     std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  std::filesystem::path out = dir / (stem + ".out");
  std::filesystem::path err = dir / (stem + ".err");
  CommandResult r;
  r.exit_code = WaitPid(Spawn(args, out, err));
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

std::string AddKey(const std::filesystem::path& data_dir, const std::string& workspace,
                   const std::vector<std::string>& flags) {
  std::vector<std::string> args{"keys",        "add",    "--data-dir", data_dir.string(),
                                "--workspace", workspace};
  args.insert(args.end(), flags.begin(), flags.end());
  CommandResult r = RunTally(args);
  TALLY_ASSERT_MSG(r.exit_code == 0, r.err.c_str());
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out.substr(out.rfind('\n') + 1);
}

TallyProcess::TallyProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)),
      stdout_path_(data_dir_.string() + ".stdout"),
      stderr_path_(data_dir_.string() + ".stderr") {}

TallyProcess::~TallyProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    WaitPid(pid_);
  }
}

bool TallyProcess::Start() {
  std::vector<std::string> args{
      "serve", "--data-dir", data_dir_.string(), "--listen", "127.0.0.1:0", "--threads", "2"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = Spawn(args, stdout_path_, stderr_path_);
  port_ = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (port_ == 0) {
      std::istringstream lines(ReadFile(stdout_path_));
      for (std::string line; std::getline(lines, line);) {
        if (line.find("\"msg\":\"listening\"") != std::string::npos) {
          port_ = static_cast<std::uint16_t>(
              boost::json::parse(line).as_object().at("port").to_number<int>());
        }
      }
    }
    if (port_ != 0) {
      HttpCall readyz;
      readyz.target = "/readyz";
      if (HttpClient(port_).Send(readyz).status == 200) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void TallyProcess::Signal(int signal) {
  ::kill(pid_, signal);
}

int TallyProcess::Wait() {
  TALLY_ASSERT(pid_ > 0);
  int code = WaitPid(pid_);
  pid_ = -1;
  return code;
}

std::string TallyProcess::Stdout() const {
  return ReadFile(stdout_path_);
}
std::string TallyProcess::Stderr() const {
  return ReadFile(stderr_path_);
}

}  // namespace tally::net::testing
