// The `tally` command line (contract §1): subcommands, flags, TALLY_* environment variables and
// the optional config file of `serve`, defined once with CLI11.
//
// DefineCli registers everything on a CLI::App and binds the values to a CliArgs; main parses
// and dispatches. Precedence for a serve setting: flag, then config file (`tally --config FILE
// serve`, or TALLY_CONFIG; TOML or INI with a [serve] section), then TALLY_* environment
// variable, then default. Not thread safe (used by main only).
#pragma once

#include <filesystem>
#include <string>

#include "net/key_set.h"
#include "net/serve_config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tally::net {

struct KeysAddArgs {
  std::filesystem::path data_dir;
  std::string workspace;
  bool read_only = false;
  bool write_only = false;
  bool admin = false;

  // Scope bits these flags ask for: read+write by default, one of them with --read-only or
  // --write-only, plus admin with --admin (so --admin alone is read+write+admin).
  std::uint8_t Scopes() const;
};

struct KeysListArgs {
  std::filesystem::path data_dir;
};

struct KeysRevokeArgs {
  std::filesystem::path data_dir;
  std::string id;
};

// `tally snapshot save`: exactly one of data_dir (offline) and server (online) is set.
struct SnapshotSaveArgs {
  std::filesystem::path data_dir;
  std::string server;  // http://host:port
  std::string key;     // admin API key, with --server
  std::size_t keep = 2;
};

// `tally snapshot status FILE` and `tally snapshot verify FILE`.
struct SnapshotFileArgs {
  std::filesystem::path file;
};

struct RestoreArgs {
  std::filesystem::path snapshot;
  std::filesystem::path data_dir;
  bool force = false;
};

// `tally log verify` (from and limit unused) and `tally log dump`.
struct LogArgs {
  std::filesystem::path data_dir;
  std::uint64_t from = 1;
  std::uint64_t limit = 0;  // 0: no limit
};

struct CliArgs {
  ServeConfig serve;
  std::string sync_name = "always";
  std::string recovery_name = "strict";
  KeysAddArgs keys_add;
  KeysListArgs keys_list;
  KeysRevokeArgs keys_revoke;
  SnapshotSaveArgs snapshot_save;
  SnapshotFileArgs snapshot_status;
  SnapshotFileArgs snapshot_verify;
  RestoreArgs restore;
  LogArgs log_verify;
  LogArgs log_dump;
};

// The subcommands, by name, for dispatch: "serve", "keys add", "keys list", "keys revoke",
// "snapshot save|status|verify", "restore", "log verify|dump".
struct CliCommands {
  CLI::App* serve = nullptr;
  CLI::App* keys_add = nullptr;
  CLI::App* keys_list = nullptr;
  CLI::App* keys_revoke = nullptr;
  CLI::App* snapshot_save = nullptr;
  CLI::App* snapshot_status = nullptr;
  CLI::App* snapshot_verify = nullptr;
  CLI::App* restore = nullptr;
  CLI::App* log_verify = nullptr;
  CLI::App* log_dump = nullptr;
};

CliCommands DefineCli(CLI::App& app, CliArgs& args);

// Turns sync_name/recovery_name into the enum fields of args.serve; kInvalidArgument otherwise.
Status ResolveServeEnums(CliArgs& args);

}  // namespace tally::net
