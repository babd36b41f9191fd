// ServeConfig: every setting of `tally serve`, with its default and its named limit.
//
// Values come from flags, TALLY_* environment variables or a config file (net/cli.h) and are
// checked once by Validate before anything starts; a bad value is a usage error (exit 2).
// A plain value type; not synchronized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "log/log.h"
#include "log/status.h"

namespace tally::net {

struct ServeConfig {
  std::filesystem::path data_dir;
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port
  unsigned threads = 0;                   // io_context threads; 0 means one per core

  log::SyncPolicy sync = log::SyncPolicy::kAlways;
  std::uint32_t sync_interval_ms = 1000;
  log::RecoveryMode recovery = log::RecoveryMode::kStrict;
  std::uint64_t segment_bytes = 64ull << 20;

  // HTTP limits (issue 4). Each one is enforced by the session and tested.
  std::size_t header_bytes_max = 8 << 10;    // request line + headers; beyond → 431
  std::size_t body_bytes_max = 1 << 20;      // after gzip decompression too; beyond → 413
  std::uint32_t header_timeout_ms = 10'000;  // from a request's first byte to its last header
  std::uint32_t body_timeout_ms = 30'000;    // to read the body once the headers are in
  // Keep-alive wait for the next request, and for a client to take a response.
  std::uint32_t idle_timeout_ms = 60'000;
  std::size_t connections_max = 10'000;     // beyond → new connections are closed at once
  std::size_t pipeline_requests_max = 16;   // requests of one connection in flight at once
  std::uint32_t drain_timeout_ms = 10'000;  // SIGTERM: longest wait for in-flight requests
  // Threads that run the requests that block: writes other than customEvents.upsert/import
  // under --sync always (contacts.delete, segments.*), which wait for the sync in the engine,
  // and snapshots. Custom-event writes never use them: their responses wait for durability
  // without a thread.
  unsigned write_workers = 256;

  // Snapshots (issue 6, docs/operations.md "Snapshots and backups").
  std::size_t snapshot_keep = 2;  // newest snapshots kept; older ones are deleted
  // Erased data (D13) leaves the disk once the oldest erasure is this old: a snapshot is taken
  // and the log compacted. Seconds; flags take 30s, 15m, 24h, 7d.
  std::uint64_t erase_within_s = 24 * 3600;
  std::uint64_t snapshot_every_records = 0;  // automatic snapshot after N records; 0 = off
  std::uint64_t snapshot_every_minutes = 0;  // automatic snapshot every T minutes; 0 = off

  std::string log_level = "info";

  // Usage errors (kInvalidArgument) name the setting: "--threads must be between 1 and 256".
  Status Validate();

  // Host and port of `listen`, valid after Validate.
  std::string listen_host;
  std::uint16_t listen_port = 0;
};

}  // namespace tally::net
