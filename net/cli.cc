#include "net/cli.h"

#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>

namespace tally::net {

std::uint8_t KeysAddArgs::Scopes() const {
  std::uint8_t scopes = kScopeRead | kScopeWrite;
  if (read_only) {
    scopes = kScopeRead;
  } else if (write_only) {
    scopes = kScopeWrite;
  }
  if (admin) {
    scopes |= kScopeAdmin;
  }
  return scopes;
}

namespace {

// Seconds from "30s", "15m", "24h" or "7d" (a unit is required, so "24" is not mistaken for
// hours or seconds).
CLI::AsNumberWithUnit DurationSeconds() {
  return CLI::AsNumberWithUnit(
      std::map<std::string, std::uint64_t>{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}},
      static_cast<CLI::AsNumberWithUnit::Options>(CLI::AsNumberWithUnit::CASE_SENSITIVE |
                                                  CLI::AsNumberWithUnit::UNIT_REQUIRED),
      "DURATION");
}

void DefineServeSnapshots(CLI::App& serve, ServeConfig& c) {
  serve.add_option("--snapshot-keep", c.snapshot_keep, "newest snapshots kept")
      ->envname("TALLY_SNAPSHOT_KEEP")
      ->capture_default_str();
  serve
      .add_option("--erase-within", c.erase_within_s,
                  "erased contacts leave the disk within this time: 30s, 15m, 24h, 7d")
      ->envname("TALLY_ERASE_WITHIN")
      ->transform(DurationSeconds())
      ->default_str("24h");
  serve
      .add_option("--snapshot-every-records", c.snapshot_every_records,
                  "take a snapshot after this many log records (0: off)")
      ->envname("TALLY_SNAPSHOT_EVERY_RECORDS")
      ->capture_default_str();
  serve
      .add_option("--snapshot-every-minutes", c.snapshot_every_minutes,
                  "take a snapshot this often when there were writes (0: off)")
      ->envname("TALLY_SNAPSHOT_EVERY_MINUTES")
      ->capture_default_str();
}

void DefineServe(CLI::App& serve, CliArgs& args) {
  ServeConfig& c = args.serve;
  serve.add_option("--data-dir", c.data_dir, "data directory (created if missing)")
      ->envname("TALLY_DATA_DIR")
      ->required();
  serve.add_option("--listen", c.listen, "host:port to listen on; port 0 picks a free port")
      ->envname("TALLY_LISTEN")
      ->capture_default_str();
  serve.add_option("--threads", c.threads, "I/O threads (default: one per core)")
      ->envname("TALLY_THREADS");
  serve.add_option("--sync", args.sync_name, "durability: always | interval | none")
      ->envname("TALLY_SYNC")
      ->check(CLI::IsMember({"always", "interval", "none"}))
      ->capture_default_str();
  serve.add_option("--sync-interval-ms", c.sync_interval_ms, "sync period under --sync interval")
      ->envname("TALLY_SYNC_INTERVAL_MS")
      ->capture_default_str();
  serve
      .add_option("--recovery", args.recovery_name,
                  "on mid-log corruption: strict | salvage | point-in-time")
      ->envname("TALLY_RECOVERY")
      ->check(CLI::IsMember({"strict", "salvage", "point-in-time"}))
      ->capture_default_str();
  serve.add_option("--segment-bytes", c.segment_bytes, "size of each log segment file")
      ->envname("TALLY_SEGMENT_BYTES")
      ->capture_default_str();
  serve.add_option("--header-bytes-max", c.header_bytes_max, "request line + headers limit (431)")
      ->envname("TALLY_HEADER_BYTES_MAX")
      ->capture_default_str();
  serve
      .add_option("--body-bytes-max", c.body_bytes_max,
                  "request body limit, also after gzip decompression (413)")
      ->envname("TALLY_BODY_BYTES_MAX")
      ->capture_default_str();
  serve
      .add_option("--header-timeout-ms", c.header_timeout_ms,
                  "time to receive a request's headers once it has started")
      ->envname("TALLY_HEADER_TIMEOUT_MS")
      ->capture_default_str();
  serve.add_option("--body-timeout-ms", c.body_timeout_ms, "time to receive a request's body")
      ->envname("TALLY_BODY_TIMEOUT_MS")
      ->capture_default_str();
  serve
      .add_option("--idle-timeout-ms", c.idle_timeout_ms,
                  "keep-alive wait for the next request, and for a client to take a response")
      ->envname("TALLY_IDLE_TIMEOUT_MS")
      ->capture_default_str();
  serve
      .add_option("--connections-max", c.connections_max,
                  "open connections; more are closed at once")
      ->envname("TALLY_CONNECTIONS_MAX")
      ->capture_default_str();
  serve
      .add_option("--pipeline-requests-max", c.pipeline_requests_max,
                  "pipelined requests of one connection in flight at once")
      ->envname("TALLY_PIPELINE_REQUESTS_MAX")
      ->capture_default_str();
  serve
      .add_option("--drain-timeout-ms", c.drain_timeout_ms,
                  "on SIGTERM/SIGINT, longest wait for in-flight requests")
      ->envname("TALLY_DRAIN_TIMEOUT_MS")
      ->capture_default_str();
  serve
      .add_option("--write-workers", c.write_workers,
                  "threads for requests that block: contacts.delete and segments.* under "
                  "--sync always, snapshots")
      ->envname("TALLY_WRITE_WORKERS")
      ->capture_default_str();
  serve.add_option("--log-level", c.log_level, "debug | info | warn | error")
      ->envname("TALLY_LOG_LEVEL")
      ->capture_default_str();
  DefineServeSnapshots(serve, c);
}

void DefineKeys(CLI::App& keys, CliArgs& args, CliCommands& commands) {
  keys.require_subcommand(1);
  CLI::App* add = keys.add_subcommand("add", "create an API key; prints it alone on the last line");
  add->add_option("--data-dir", args.keys_add.data_dir, "data directory")
      ->envname("TALLY_DATA_DIR")
      ->required();
  add->add_option("--workspace", args.keys_add.workspace, "workspace the key may use")->required();
  CLI::Option* read_only = add->add_flag("--read-only", args.keys_add.read_only, "read scope only");
  CLI::Option* write_only =
      add->add_flag("--write-only", args.keys_add.write_only, "write scope only");
  read_only->excludes(write_only);
  add->add_flag("--admin", args.keys_add.admin, "add the admin scope (read+write+admin)");
  commands.keys_add = add;

  CLI::App* list = keys.add_subcommand("list", "list keys: id, workspace, scopes (never secrets)");
  list->add_option("--data-dir", args.keys_list.data_dir, "data directory")
      ->envname("TALLY_DATA_DIR")
      ->required();
  commands.keys_list = list;

  CLI::App* revoke = keys.add_subcommand("revoke", "revoke a key by id");
  revoke->add_option("--data-dir", args.keys_revoke.data_dir, "data directory")
      ->envname("TALLY_DATA_DIR")
      ->required();
  revoke->add_option("id", args.keys_revoke.id, "key id (from keys list)")->required();
  commands.keys_revoke = revoke;
}

void DefineSnapshot(CLI::App& snapshot, CliArgs& args, CliCommands& commands) {
  snapshot.require_subcommand(1);
  SnapshotSaveArgs& a = args.snapshot_save;
  CLI::App* save = snapshot.add_subcommand(
      "save", "take a snapshot: offline (--data-dir, server stopped) or online (--server --key)");
  CLI::Option* dir =
      save->add_option("--data-dir", a.data_dir, "data directory of a stopped server");
  CLI::Option* server =
      save->add_option("--server", a.server, "URL of a running server, e.g. http://127.0.0.1:8080");
  CLI::Option* key =
      save->add_option("--key", a.key, "admin API key (with --server)")->envname("TALLY_ADMIN_KEY");
  save->add_option("--snapshot-keep", a.keep, "newest snapshots kept (with --data-dir)")
      ->capture_default_str();
  dir->excludes(server);
  dir->excludes(key);
  server->needs(key);
  key->needs(server);
  commands.snapshot_save = save;

  CLI::App* status = snapshot.add_subcommand(
      "status", "print a snapshot's header: LSN, counts, size, hash, created");
  status->add_option("file", args.snapshot_status.file, "snapshot file")->required();
  commands.snapshot_status = status;

  CLI::App* verify = snapshot.add_subcommand(
      "verify", "re-hash and check every part of a snapshot without loading it; exit 1 if damaged");
  verify->add_option("file", args.snapshot_verify.file, "snapshot file")->required();
  commands.snapshot_verify = verify;
}

void DefineRestore(CLI::App& restore, RestoreArgs& a) {
  restore.add_option("--snapshot", a.snapshot, "snapshot file to restore (verified first)")
      ->required();
  restore.add_option("--data-dir", a.data_dir, "data directory to build (must be empty)")
      ->required();
  restore.add_flag("--force", a.force,
                   "replace the log/ and snapshots/ of a non-empty data directory");
}

void DefineLog(CLI::App& log, CliArgs& args, CliCommands& commands) {
  log.require_subcommand(1);
  CLI::App* verify = log.add_subcommand(
      "verify", "check every record (framing, checksums, FlatBuffers); exit 1 on any problem");
  verify->add_option("--data-dir", args.log_verify.data_dir, "data directory")
      ->envname("TALLY_DATA_DIR")
      ->required();
  commands.log_verify = verify;

  CLI::App* dump = log.add_subcommand("dump", "print records as JSON lines: lsn, type, record");
  dump->add_option("--data-dir", args.log_dump.data_dir, "data directory")
      ->envname("TALLY_DATA_DIR")
      ->required();
  dump->add_option("--from", args.log_dump.from, "first LSN to print")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  dump->add_option("--limit", args.log_dump.limit, "records to print at most (0: all)")
      ->capture_default_str();
  commands.log_dump = dump;
}

}  // namespace

CliCommands DefineCli(CLI::App& app, CliArgs& args) {
  CliCommands commands;
  app.require_subcommand(1);
  // CLI11 reads config files on the root app only; serve settings go in its [serve] section.
  // CLI11 has no environment variable for the file itself, so TALLY_CONFIG is its default.
  const char* config_env = std::getenv("TALLY_CONFIG");
  app.set_config("--config", config_env != nullptr ? config_env : "",
                 "TOML or INI file; serve settings under [serve], named as the flags");
  app.set_version_flag("--version", std::string("tally ") + TALLY_VERSION);
  commands.serve = app.add_subcommand("serve", "run the HTTP server");
  DefineServe(*commands.serve, args);
  CLI::App* keys = app.add_subcommand("keys", "manage API keys: add | list | revoke");
  DefineKeys(*keys, args, commands);
  CLI::App* snapshot =
      app.add_subcommand("snapshot", "consistent snapshots of the state: save | status | verify");
  DefineSnapshot(*snapshot, args, commands);
  commands.restore =
      app.add_subcommand("restore", "build a data directory from a snapshot (for a new server)");
  DefineRestore(*commands.restore, args.restore);
  CLI::App* log = app.add_subcommand("log", "inspect the log offline: verify | dump");
  DefineLog(*log, args, commands);
  return commands;
}

Status ResolveServeEnums(CliArgs& args) {
  if (args.sync_name == "always") {
    args.serve.sync = log::SyncPolicy::kAlways;
  } else if (args.sync_name == "interval") {
    args.serve.sync = log::SyncPolicy::kInterval;
  } else if (args.sync_name == "none") {
    args.serve.sync = log::SyncPolicy::kNone;
  } else {
    return Status::InvalidArgument("--sync must be always, interval or none");
  }
  if (args.recovery_name == "strict") {
    args.serve.recovery = log::RecoveryMode::kStrict;
  } else if (args.recovery_name == "salvage") {
    args.serve.recovery = log::RecoveryMode::kSalvage;
  } else if (args.recovery_name == "point-in-time") {
    args.serve.recovery = log::RecoveryMode::kPointInTime;
  } else {
    return Status::InvalidArgument("--recovery must be strict, salvage or point-in-time");
  }
  return Status::Ok();
}

}  // namespace tally::net
