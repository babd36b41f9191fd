#include "net/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tally::net {
namespace {

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CountsRequestsByRouteMethodAndCode) {
  Metrics m;
  m.RecordRequest(Route::kEventsGet, HttpMethod::kGet, 200, std::chrono::microseconds(70));
  m.RecordRequest(Route::kEventsGet, HttpMethod::kGet, 200, std::chrono::microseconds(3000));
  m.RecordRequest(Route::kEventsGet, HttpMethod::kPost, 405, std::chrono::microseconds(1));
  m.RecordRequest(Route::kEventsGet, HttpMethod::kGet, 418, std::chrono::microseconds(1));
  std::string text = m.Render({});
  EXPECT_TRUE(Contains(
      text,
      "tally_http_requests_total{route=\"customEvents.get\",method=\"GET\",code=\"200\"} 2\n"));
  EXPECT_TRUE(Contains(
      text,
      "tally_http_requests_total{route=\"customEvents.get\",method=\"POST\",code=\"405\"} 1\n"));
  EXPECT_TRUE(Contains(
      text,
      "tally_http_requests_total{route=\"customEvents.get\",method=\"GET\",code=\"other\"} 1\n"));
}

TEST(MetricsTest, LatencyHistogramIsCumulative) {
  Metrics m;
  m.RecordRequest(Route::kLivez, HttpMethod::kGet, 200, std::chrono::microseconds(70));
  m.RecordRequest(Route::kLivez, HttpMethod::kGet, 200, std::chrono::microseconds(3000));
  m.RecordRequest(Route::kLivez, HttpMethod::kGet, 200, std::chrono::seconds(5));
  std::string text = m.Render({});
  EXPECT_TRUE(Contains(
      text, "tally_http_request_duration_seconds_bucket{route=\"livez\",le=\"5e-05\"} 0\n"));
  EXPECT_TRUE(Contains(
      text, "tally_http_request_duration_seconds_bucket{route=\"livez\",le=\"0.0001\"} 1\n"));
  EXPECT_TRUE(Contains(
      text, "tally_http_request_duration_seconds_bucket{route=\"livez\",le=\"0.005\"} 2\n"));
  EXPECT_TRUE(
      Contains(text, "tally_http_request_duration_seconds_bucket{route=\"livez\",le=\"1\"} 2\n"));
  EXPECT_TRUE(Contains(
      text, "tally_http_request_duration_seconds_bucket{route=\"livez\",le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(Contains(text, "tally_http_request_duration_seconds_count{route=\"livez\"} 3\n"));
  EXPECT_TRUE(
      Contains(text, "tally_http_request_duration_seconds_sum{route=\"livez\"} 5.003070\n"));
}

TEST(MetricsTest, RendersEventsConnectionsAndSnapshotGauges) {
  Metrics m;
  m.CountIngested(50);
  m.CountRejected(RejectReason::kTooLarge, 1);
  m.CountConnectionRefused();
  m.AddInFlight(2);
  MetricsSnapshot snap;
  snap.ready = true;
  snap.contacts = 12;
  snap.log_durable_lsn = 9;
  std::string text = m.Render(snap);
  EXPECT_TRUE(Contains(text, "tally_events_ingested_total 50\n"));
  EXPECT_TRUE(Contains(text, "tally_events_rejected_total{reason=\"too_large\"} 1\n"));
  EXPECT_TRUE(Contains(text, "tally_events_rejected_total{reason=\"validation\"} 0\n"));
  EXPECT_TRUE(Contains(text, "tally_http_connections_total{result=\"refused\"} 1\n"));
  EXPECT_TRUE(Contains(text, "tally_http_requests_in_flight 2\n"));
  EXPECT_TRUE(Contains(text, "tally_ready 1\n"));
  EXPECT_TRUE(Contains(text, "tally_contacts 12\n"));
  EXPECT_TRUE(Contains(text, "tally_log_durable_lsn 9\n"));
  EXPECT_TRUE(Contains(text, "# TYPE tally_http_request_duration_seconds histogram\n"));
}

TEST(MetricsTest, RendersLogCountersAndCumulativeSyncHistograms) {
  Metrics m;
  MetricsSnapshot snap;
  snap.log_stats.appends = 12;
  snap.log_stats.appended_bytes = 4096;
  snap.log_stats.syncs = 3;
  snap.log_stats.sync_latency_us.buckets[2] = 2;      // le 100 µs
  snap.log_stats.sync_latency_us.buckets.back() = 1;  // over 1 s
  snap.log_stats.sync_latency_us.sum = 1'000'150;
  snap.log_stats.group_records.buckets[0] = 1;  // 1 record
  snap.log_stats.group_records.buckets[3] = 2;  // 5..8 records
  snap.log_stats.group_records.sum = 12;
  std::string text = m.Render(snap);
  EXPECT_TRUE(
      Contains(text, "# TYPE tally_log_appends_total counter\ntally_log_appends_total 12\n"));
  EXPECT_TRUE(Contains(text, "tally_log_appended_bytes_total 4096\n"));
  EXPECT_TRUE(Contains(text, "tally_log_syncs_total 3\n"));
  EXPECT_TRUE(Contains(text, "# TYPE tally_log_sync_seconds histogram\n"));
  EXPECT_TRUE(Contains(text, "tally_log_sync_seconds_bucket{le=\"5e-05\"} 0\n"));
  EXPECT_TRUE(Contains(text, "tally_log_sync_seconds_bucket{le=\"0.0001\"} 2\n"));
  EXPECT_TRUE(Contains(text, "tally_log_sync_seconds_bucket{le=\"1\"} 2\n"));
  EXPECT_TRUE(Contains(text, "tally_log_sync_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(Contains(text, "tally_log_sync_seconds_sum 1.00015\n"));
  EXPECT_TRUE(Contains(text, "tally_log_sync_seconds_count 3\n"));
  EXPECT_TRUE(Contains(text, "# TYPE tally_log_group_records histogram\n"));
  EXPECT_TRUE(Contains(text, "tally_log_group_records_bucket{le=\"1\"} 1\n"));
  EXPECT_TRUE(Contains(text, "tally_log_group_records_bucket{le=\"4\"} 1\n"));
  EXPECT_TRUE(Contains(text, "tally_log_group_records_bucket{le=\"8\"} 3\n"));
  EXPECT_TRUE(Contains(text, "tally_log_group_records_bucket{le=\"65536\"} 3\n"));
  EXPECT_TRUE(Contains(text, "tally_log_group_records_sum 12\n"));
  EXPECT_TRUE(Contains(text, "tally_log_group_records_count 3\n"));
}

TEST(MetricsTest, CountsFromMoreThreadsThanShardsAreSummed) {
  Metrics m;
  constexpr int kThreads = static_cast<int>(kMetricShards) + 3;
  constexpr int kPerThread = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < kPerThread; ++i) {
        m.RecordRequest(Route::kEventsUpsert, HttpMethod::kPost, 200,
                        std::chrono::microseconds(60));
        m.CountIngested(2);
        m.CountRejected(RejectReason::kValidation, 1);
        m.AddInFlight(1);
      }
      m.AddInFlight(-kPerThread);
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  const std::string total = std::to_string(kThreads * kPerThread);
  std::string text = m.Render({});
  EXPECT_TRUE(Contains(
      text,
      "tally_http_requests_total{route=\"customEvents.upsert\",method=\"POST\",code=\"200\"} " +
          total + "\n"));
  EXPECT_TRUE(Contains(text,
                       "tally_http_request_duration_seconds_bucket{route=\"customEvents.upsert\","
                       "le=\"0.0001\"} " +
                           total + "\n"));
  EXPECT_TRUE(
      Contains(text, "tally_http_request_duration_seconds_sum{route=\"customEvents.upsert\"} " +
                         std::to_string(kThreads * kPerThread * 60 / 1000000) + "." +
                         std::to_string(kThreads * kPerThread * 60 % 1000000) + "\n"));
  EXPECT_TRUE(Contains(
      text, "tally_events_ingested_total " + std::to_string(2 * kThreads * kPerThread) + "\n"));
  EXPECT_TRUE(Contains(text, "tally_events_rejected_total{reason=\"validation\"} " + total + "\n"));
  EXPECT_TRUE(Contains(text, "tally_http_requests_in_flight 0\n"));
}

}  // namespace
}  // namespace tally::net
