// Metrics: the server's counters and histograms, rendered in Prometheus text format for
// GET /metrics.
//
// Every series is a fixed array of relaxed atomics indexed by route, method and status class,
// held once per shard (kMetricShards, each on its own cache lines): a thread records into the
// shard it was given on first use, so I/O threads never write the same cache line and
// recording never takes a lock or allocates. Render sums the shards. Gauges that belong to the
// engine and the log (contacts, LSNs, health) are read when rendering.
// Thread safety: every method may be called from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "log/log_stats.h"
#include "net/http_message.h"
#include "net/route.h"

namespace tally::net {

enum class RejectReason : std::size_t {
  kInvalidBody = 0,   // malformed JSON, wrong types, bad gzip
  kValidation,        // the engine's validation messages
  kUnauthenticated,   // 401
  kForbidden,         // 403
  kTooLarge,          // 413 / 431
  kUnsupportedMedia,  // 415
  kUnavailable,       // 503: replaying, or the log's sticky error
};
inline constexpr std::size_t kRejectReasonCount = 7;

// Threads are spread over this many copies of the counters (round-robin on first use); more
// recording threads than shards share them, still correctly, with some cache-line traffic.
inline constexpr std::size_t kMetricShards = 8;

// Values owned elsewhere, sampled when /metrics is rendered.
struct MetricsSnapshot {
  bool ready = false;
  bool log_healthy = true;
  std::uint64_t log_last_lsn = 0;
  std::uint64_t log_durable_lsn = 0;
  log::LogStats log_stats;  // zero until the log is open
  std::uint64_t workspaces = 0;
  std::uint64_t contacts = 0;
  std::uint64_t events = 0;
  std::uint64_t timeline_entries = 0;
};

class Metrics {
 public:
  void RecordRequest(Route route, HttpMethod method, unsigned status,
                     std::chrono::nanoseconds latency);
  void AddInFlight(std::int64_t delta) {
    Local().in_flight.fetch_add(delta, std::memory_order_relaxed);
  }
  void CountIngested(std::uint64_t events) {
    Local().events_ingested.fetch_add(events, std::memory_order_relaxed);
  }
  void CountRejected(RejectReason reason, std::uint64_t events);
  void CountConnectionAccepted() { connections_accepted_.fetch_add(1, std::memory_order_relaxed); }
  void CountConnectionRefused() { connections_refused_.fetch_add(1, std::memory_order_relaxed); }
  void AddOpenConnections(std::int64_t delta) {
    connections_open_.fetch_add(delta, std::memory_order_relaxed);
  }

  std::string Render(const MetricsSnapshot& snapshot) const;

  static constexpr std::array<unsigned, 12> kStatuses{200, 201, 400, 401, 403, 404,
                                                      405, 413, 415, 431, 500, 503};
  static constexpr std::size_t kStatusSlots = kStatuses.size() + 1;  // + "other"
  static constexpr std::size_t kMethodSlots = 3;                     // GET, POST, other
  // Upper bounds of the latency buckets, in microseconds (+Inf is implicit).
  static constexpr std::array<std::uint64_t, 13> kLatencyBucketsUs{
      50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000};

 private:
  struct RouteSeries {
    std::array<std::array<std::atomic<std::uint64_t>, kStatusSlots>, kMethodSlots> requests{};
    std::array<std::atomic<std::uint64_t>, kLatencyBucketsUs.size() + 1> latency_buckets{};
    std::atomic<std::uint64_t> latency_sum_us{0};
  };
  struct alignas(64) Shard {
    std::array<RouteSeries, kRouteCount> routes{};
    std::atomic<std::int64_t> in_flight{0};
    std::atomic<std::uint64_t> events_ingested{0};
    std::array<std::atomic<std::uint64_t>, kRejectReasonCount> events_rejected{};
  };
  // The calling thread's shard.
  Shard& Local();
  std::uint64_t SumRequests(std::size_t route, std::size_t method, std::size_t status) const;
  std::uint64_t SumLatencyBucket(std::size_t route, std::size_t bucket) const;

  std::array<Shard, kMetricShards> shards_{};
  // Per connection, not per request: one copy is enough.
  std::atomic<std::uint64_t> connections_accepted_{0};
  std::atomic<std::uint64_t> connections_refused_{0};
  std::atomic<std::int64_t> connections_open_{0};
};

}  // namespace tally::net
