#include "net/serve_config.h"

#include <charconv>
#include <thread>

#include "engine/snapshot_store.h"
#include "log/logger.h"

namespace tally::net {
namespace {

constexpr unsigned kThreadsMax = 256;
constexpr unsigned kWriteWorkersMax = 4096;
constexpr std::uint64_t kSegmentBytesMin = 1 << 20;
constexpr std::size_t kHeaderBytesMin = 1 << 10;
constexpr std::size_t kBodyBytesMin = 1 << 10;
constexpr std::uint64_t kEraseWithinMaxS = 365ull * 24 * 3600;

Status Range(std::string_view flag, std::uint64_t value, std::uint64_t min, std::uint64_t max) {
  if (value < min || value > max) {
    return Status::InvalidArgument(std::string(flag) + " must be between " + std::to_string(min) +
                                   " and " + std::to_string(max) + ", got " +
                                   std::to_string(value));
  }
  return Status::Ok();
}

}  // namespace

Status ServeConfig::Validate() {
  if (data_dir.empty()) {
    return Status::InvalidArgument("--data-dir is required");
  }
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("--listen must be host:port, got \"" + listen + "\"");
  }
  listen_host = listen.substr(0, colon);
  if (listen_host.size() > 2 && listen_host.front() == '[' && listen_host.back() == ']') {
    listen_host = listen_host.substr(1, listen_host.size() - 2);
  }
  std::string_view port = std::string_view(listen).substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), listen_port);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty()) {
    return Status::InvalidArgument("--listen port must be 0..65535, got \"" + std::string(port) +
                                   "\"");
  }
  if (threads == 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  TALLY_RETURN_IF_ERROR(Range("--threads", threads, 1, kThreadsMax));
  TALLY_RETURN_IF_ERROR(Range("--sync-interval-ms", sync_interval_ms, 1, 60'000));
  TALLY_RETURN_IF_ERROR(Range("--segment-bytes", segment_bytes, kSegmentBytesMin, 1ull << 40));
  TALLY_RETURN_IF_ERROR(Range("--header-bytes-max", header_bytes_max, kHeaderBytesMin, 1 << 20));
  TALLY_RETURN_IF_ERROR(Range("--body-bytes-max", body_bytes_max, kBodyBytesMin, 64 << 20));
  TALLY_RETURN_IF_ERROR(Range("--header-timeout-ms", header_timeout_ms, 1, 3'600'000));
  TALLY_RETURN_IF_ERROR(Range("--body-timeout-ms", body_timeout_ms, 1, 3'600'000));
  TALLY_RETURN_IF_ERROR(Range("--idle-timeout-ms", idle_timeout_ms, 1, 3'600'000));
  TALLY_RETURN_IF_ERROR(Range("--connections-max", connections_max, 1, 1'000'000));
  TALLY_RETURN_IF_ERROR(Range("--pipeline-requests-max", pipeline_requests_max, 1, 1024));
  TALLY_RETURN_IF_ERROR(Range("--drain-timeout-ms", drain_timeout_ms, 0, 3'600'000));
  TALLY_RETURN_IF_ERROR(Range("--write-workers", write_workers, 1, kWriteWorkersMax));
  TALLY_RETURN_IF_ERROR(
      Range("--snapshot-keep", snapshot_keep, engine::kSnapshotKeepMin, engine::kSnapshotKeepMax));
  TALLY_RETURN_IF_ERROR(Range("--erase-within (seconds)", erase_within_s, 1, kEraseWithinMaxS));
  TALLY_RETURN_IF_ERROR(
      Range("--snapshot-every-records", snapshot_every_records, 0, 1'000'000'000'000ull));
  TALLY_RETURN_IF_ERROR(
      Range("--snapshot-every-minutes", snapshot_every_minutes, 0, 365ull * 24 * 60));
  LogLevel level;
  if (!ParseLogLevel(log_level, &level)) {
    return Status::InvalidArgument("--log-level must be debug, info, warn or error, got \"" +
                                   log_level + "\"");
  }
  return Status::Ok();
}

}  // namespace tally::net
