#include "net/metrics.h"

#include <algorithm>
#include <cstdio>

namespace tally::net {
namespace {

constexpr std::array<std::string_view, kRejectReasonCount> kReasonNames{
    "invalid_body",           "validation", "unauthenticated", "forbidden", "too_large",
    "unsupported_media_type", "unavailable"};
constexpr std::array<std::string_view, Metrics::kMethodSlots> kMethodNames{"GET", "POST", "other"};

std::size_t StatusSlot(unsigned status) {
  auto it = std::find(Metrics::kStatuses.begin(), Metrics::kStatuses.end(), status);
  return static_cast<std::size_t>(it - Metrics::kStatuses.begin());  // end: the "other" slot
}

std::size_t MethodSlot(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet: return 0;
    case HttpMethod::kPost: return 1;
    case HttpMethod::kOther: return 2;
  }
  return 2;
}

void AppendLine(std::string& out, const char* format, auto... args) {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, format, args...);
  out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

std::uint64_t Load(const std::atomic<std::uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

void AppendCounter(std::string& out, const char* name, const char* help, std::uint64_t value) {
  AppendLine(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
             static_cast<unsigned long long>(value));
}

// A histogram without labels; `scale` turns a bound or the sum into the metric's unit.
template <std::size_t kBounds>
void AppendHistogram(std::string& out, const char* name, const char* help,
                     const std::array<std::uint64_t, kBounds>& bounds,
                     const log::HistogramCounts<kBounds>& counts, double scale) {
  AppendLine(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kBounds; ++b) {
    cumulative += counts.buckets[b];
    AppendLine(out, "%s_bucket{le=\"%g\"} %llu\n", name, static_cast<double>(bounds[b]) * scale,
               static_cast<unsigned long long>(cumulative));
  }
  cumulative += counts.buckets[kBounds];
  AppendLine(out, "%s_bucket{le=\"+Inf\"} %llu\n", name,
             static_cast<unsigned long long>(cumulative));
  AppendLine(out, "%s_sum %.9g\n", name, static_cast<double>(counts.sum) * scale);
  AppendLine(out, "%s_count %llu\n", name, static_cast<unsigned long long>(cumulative));
}

void AppendLogStats(std::string& out, const log::LogStats& stats) {
  AppendCounter(out, "tally_log_appends_total", "Records appended to the log since start.",
                stats.appends);
  AppendCounter(out, "tally_log_appended_bytes_total",
                "Bytes appended to the log since start (frame headers and padding included).",
                stats.appended_bytes);
  AppendCounter(out, "tally_log_syncs_total",
                "Log syncs (msync) that made at least one record durable.", stats.syncs);
  AppendHistogram(out, "tally_log_sync_seconds", "Duration of each log sync.",
                  log::kSyncLatencyBucketsUs, stats.sync_latency_us, 1e-6);
  AppendHistogram(out, "tally_log_group_records",
                  "Records made durable by each log sync (group commit size).",
                  log::kGroupRecordsBuckets, stats.group_records, 1.0);
}

}  // namespace

Metrics::Shard& Metrics::Local() {
  static std::atomic<std::size_t> next_shard{0};
  thread_local const std::size_t shard =
      next_shard.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return shards_[shard];
}

std::uint64_t Metrics::SumRequests(std::size_t route, std::size_t method,
                                   std::size_t status) const {
  std::uint64_t n = 0;
  for (const Shard& shard : shards_) {
    n += Load(shard.routes[route].requests[method][status]);
  }
  return n;
}

std::uint64_t Metrics::SumLatencyBucket(std::size_t route, std::size_t bucket) const {
  std::uint64_t n = 0;
  for (const Shard& shard : shards_) {
    n += Load(shard.routes[route].latency_buckets[bucket]);
  }
  return n;
}

void Metrics::RecordRequest(Route route, HttpMethod method, unsigned status,
                            std::chrono::nanoseconds latency) {
  RouteSeries& s = Local().routes[static_cast<std::size_t>(route)];
  s.requests[MethodSlot(method)][StatusSlot(status)].fetch_add(1, std::memory_order_relaxed);
  auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
  auto bucket = std::lower_bound(kLatencyBucketsUs.begin(), kLatencyBucketsUs.end(), us);
  s.latency_buckets[static_cast<std::size_t>(bucket - kLatencyBucketsUs.begin())].fetch_add(
      1, std::memory_order_relaxed);
  s.latency_sum_us.fetch_add(us, std::memory_order_relaxed);
}

void Metrics::CountRejected(RejectReason reason, std::uint64_t events) {
  Local().events_rejected[static_cast<std::size_t>(reason)].fetch_add(events,
                                                                      std::memory_order_relaxed);
}

std::string Metrics::Render(const MetricsSnapshot& snap) const {
  std::string out;
  out.reserve(16 << 10);
  out +=
      "# HELP tally_build_info Version of the running tally binary.\n"
      "# TYPE tally_build_info gauge\n";
  AppendLine(out, "tally_build_info{version=\"%s\"} 1\n", TALLY_VERSION);

  out +=
      "# HELP tally_http_requests_total HTTP requests by route, method and status code.\n"
      "# TYPE tally_http_requests_total counter\n";
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    std::string_view route = RouteName(static_cast<Route>(r));
    for (std::size_t m = 0; m < kMethodSlots; ++m) {
      for (std::size_t c = 0; c < kStatusSlots; ++c) {
        std::uint64_t n = SumRequests(r, m, c);
        if (n == 0) {
          continue;
        }
        std::string code = c < kStatuses.size() ? std::to_string(kStatuses[c]) : "other";
        AppendLine(
            out, "tally_http_requests_total{route=\"%.*s\",method=\"%.*s\",code=\"%s\"} %llu\n",
            static_cast<int>(route.size()), route.data(), static_cast<int>(kMethodNames[m].size()),
            kMethodNames[m].data(), code.c_str(), static_cast<unsigned long long>(n));
      }
    }
  }

  out +=
      "# HELP tally_http_request_duration_seconds Time from a request's last byte to its "
      "response.\n"
      "# TYPE tally_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    std::string_view route = RouteName(static_cast<Route>(r));
    std::uint64_t cumulative = 0;
    std::uint64_t latency_sum_us = 0;
    for (const Shard& shard : shards_) {
      latency_sum_us += Load(shard.routes[r].latency_sum_us);
    }
    for (std::size_t b = 0; b <= kLatencyBucketsUs.size(); ++b) {
      cumulative += SumLatencyBucket(r, b);
      if (b < kLatencyBucketsUs.size()) {
        AppendLine(out,
                   "tally_http_request_duration_seconds_bucket{route=\"%.*s\",le=\"%g\"} %llu\n",
                   static_cast<int>(route.size()), route.data(),
                   static_cast<double>(kLatencyBucketsUs[b]) / 1e6,
                   static_cast<unsigned long long>(cumulative));
      } else {
        AppendLine(out,
                   "tally_http_request_duration_seconds_bucket{route=\"%.*s\",le=\"+Inf\"} %llu\n",
                   static_cast<int>(route.size()), route.data(),
                   static_cast<unsigned long long>(cumulative));
      }
    }
    AppendLine(out, "tally_http_request_duration_seconds_sum{route=\"%.*s\"} %.6f\n",
               static_cast<int>(route.size()), route.data(),
               static_cast<double>(latency_sum_us) / 1e6);
    AppendLine(out, "tally_http_request_duration_seconds_count{route=\"%.*s\"} %llu\n",
               static_cast<int>(route.size()), route.data(),
               static_cast<unsigned long long>(cumulative));
  }

  out +=
      "# HELP tally_http_requests_in_flight Requests being handled now.\n"
      "# TYPE tally_http_requests_in_flight gauge\n";
  std::int64_t in_flight = 0;
  std::uint64_t ingested = 0;
  std::array<std::uint64_t, kRejectReasonCount> rejected{};
  for (const Shard& shard : shards_) {
    in_flight += shard.in_flight.load(std::memory_order_relaxed);
    ingested += Load(shard.events_ingested);
    for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
      rejected[i] += Load(shard.events_rejected[i]);
    }
  }
  AppendLine(out, "tally_http_requests_in_flight %lld\n", static_cast<long long>(in_flight));
  out +=
      "# HELP tally_http_connections_open Open client connections.\n"
      "# TYPE tally_http_connections_open gauge\n";
  AppendLine(out, "tally_http_connections_open %lld\n",
             static_cast<long long>(connections_open_.load(std::memory_order_relaxed)));
  out +=
      "# HELP tally_http_connections_total Connections accepted or refused (over "
      "--connections-max).\n"
      "# TYPE tally_http_connections_total counter\n";
  AppendLine(out, "tally_http_connections_total{result=\"accepted\"} %llu\n",
             static_cast<unsigned long long>(Load(connections_accepted_)));
  AppendLine(out, "tally_http_connections_total{result=\"refused\"} %llu\n",
             static_cast<unsigned long long>(Load(connections_refused_)));

  out +=
      "# HELP tally_events_ingested_total Custom events accepted by upsert and import.\n"
      "# TYPE tally_events_ingested_total counter\n";
  AppendLine(out, "tally_events_ingested_total %llu\n", static_cast<unsigned long long>(ingested));
  out +=
      "# HELP tally_events_rejected_total Write requests rejected, by reason.\n"
      "# TYPE tally_events_rejected_total counter\n";
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    AppendLine(out, "tally_events_rejected_total{reason=\"%.*s\"} %llu\n",
               static_cast<int>(kReasonNames[i].size()), kReasonNames[i].data(),
               static_cast<unsigned long long>(rejected[i]));
  }

  out += "# HELP tally_ready 1 when the log is replayed and healthy.\n# TYPE tally_ready gauge\n";
  AppendLine(out, "tally_ready %d\n", snap.ready ? 1 : 0);
  out +=
      "# HELP tally_log_healthy 0 once the log is in its sticky error state.\n"
      "# TYPE tally_log_healthy gauge\n";
  AppendLine(out, "tally_log_healthy %d\n", snap.log_healthy ? 1 : 0);
  out += "# HELP tally_log_last_lsn Highest LSN appended.\n# TYPE tally_log_last_lsn gauge\n";
  AppendLine(out, "tally_log_last_lsn %llu\n", static_cast<unsigned long long>(snap.log_last_lsn));
  out +=
      "# HELP tally_log_durable_lsn Highest LSN known durable.\n"
      "# TYPE tally_log_durable_lsn gauge\n";
  AppendLine(out, "tally_log_durable_lsn %llu\n",
             static_cast<unsigned long long>(snap.log_durable_lsn));
  AppendLogStats(out, snap.log_stats);
  out += "# HELP tally_workspaces Workspaces in memory.\n# TYPE tally_workspaces gauge\n";
  AppendLine(out, "tally_workspaces %llu\n", static_cast<unsigned long long>(snap.workspaces));
  out += "# HELP tally_contacts Contacts in memory.\n# TYPE tally_contacts gauge\n";
  AppendLine(out, "tally_contacts %llu\n", static_cast<unsigned long long>(snap.contacts));
  out +=
      "# HELP tally_events Stored custom events, soft-deleted included.\n"
      "# TYPE tally_events gauge\n";
  AppendLine(out, "tally_events %llu\n", static_cast<unsigned long long>(snap.events));
  out +=
      "# HELP tally_timeline_entries Contact timeline entries in memory.\n"
      "# TYPE tally_timeline_entries gauge\n";
  AppendLine(out, "tally_timeline_entries %llu\n",
             static_cast<unsigned long long>(snap.timeline_entries));
  return out;
}

}  // namespace tally::net
