#include "net/metrics.h"

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

}  // namespace
}  // namespace tally::net
