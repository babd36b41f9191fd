#include "net/cli.h"

#include <cstdlib>

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
                  "threads running writes while they wait for the log sync")
      ->envname("TALLY_WRITE_WORKERS")
      ->capture_default_str();
  serve.add_option("--log-level", c.log_level, "debug | info | warn | error")
      ->envname("TALLY_LOG_LEVEL")
      ->capture_default_str();
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
