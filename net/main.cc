// tally: the server binary's entry point. Parses the command line (net/cli.h) and runs one
// subcommand; exit codes 0 success, 1 runtime failure, 2 usage error (contract §1).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "log/logger.h"
#include "net/cli.h"
#include "net/keys_command.h"
#include "net/log_command.h"
#include "net/restore_command.h"
#include "net/serve_command.h"
#include "net/snapshot_command.h"

int main(int argc, char** argv) {
  using namespace tally::net;
  CLI::App app("tally: Notifuse-compatible custom events, goals and timelines, in memory", "tally");
  CliArgs args;
  CliCommands commands = DefineCli(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);  // --help, --version
    }
    std::fprintf(stderr, "tally: %s (see --help)\n", e.what());
    return 2;
  }
  if (commands.serve->parsed()) {
    tally::Status s = ResolveServeEnums(args);
    if (s.ok()) {
      s = args.serve.Validate();
    }
    if (!s.ok()) {
      std::fprintf(stderr, "tally: %s\n", std::string(s.message()).c_str());
      return 2;
    }
    return RunServe(args.serve);
  }
  // The offline commands keep stdout for their result (a snapshot's header, JSON lines of
  // records); their JSON log lines, progress included, go to stderr.
  tally::SetLogSink([](std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  });
  if (commands.keys_add->parsed()) {
    return RunKeysAdd(args.keys_add);
  }
  if (commands.keys_list->parsed()) {
    return RunKeysList(args.keys_list);
  }
  if (commands.keys_revoke->parsed()) {
    return RunKeysRevoke(args.keys_revoke);
  }
  if (commands.snapshot_save->parsed()) {
    return RunSnapshotSave(args.snapshot_save);
  }
  if (commands.snapshot_status->parsed()) {
    return RunSnapshotStatus(args.snapshot_status);
  }
  if (commands.snapshot_verify->parsed()) {
    return RunSnapshotVerify(args.snapshot_verify);
  }
  if (commands.restore->parsed()) {
    return RunRestore(args.restore);
  }
  if (commands.log_verify->parsed()) {
    return RunLogVerify(args.log_verify);
  }
  if (commands.log_dump->parsed()) {
    return RunLogDump(args.log_dump);
  }
  std::fprintf(stderr, "tally: no command given (see --help)\n");
  return 2;
}
