// LogStats: what a Log has done since it was opened (appends, bytes, syncs, sync latency and
// records per sync), as returned by Log::GetStats() for /metrics; and SyncStatsRecorder, the
// counters the syncing side of the log keeps to produce the sync part of it.
//
// Thread safety: LogStats is a plain value. SyncStatsRecorder::Record must be called by one
// thread at a time (the log calls it under its sync lock, so the counters are updated with
// plain relaxed stores, never a contended read-modify-write); Snapshot may run on any thread
// at any time and sees each counter at some recent value (the counters are not read as one
// atomic unit, so a histogram's count may momentarily differ from the syncs counter by one).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tally::log {

// Upper bounds of the sync latency buckets, in microseconds (+Inf is implicit).
inline constexpr std::array<std::uint64_t, 14> kSyncLatencyBucketsUs{
    25,    50,     100,    250,    500,     1'000,   2'500,
    5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000};
// Upper bounds of the records-per-sync buckets (+Inf is implicit).
inline constexpr std::array<std::uint64_t, 14> kGroupRecordsBuckets{
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1'024, 4'096, 16'384, 65'536};

// A histogram's observations per bucket (not cumulative; the last bucket is +Inf) and their sum.
template <std::size_t kBounds>
struct HistogramCounts {
  std::array<std::uint64_t, kBounds + 1> buckets{};
  std::uint64_t sum = 0;

  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (const std::uint64_t b : buckets) {
      n += b;
    }
    return n;
  }
};

struct LogStats {
  std::uint64_t appends = 0;         // records appended since Open
  std::uint64_t appended_bytes = 0;  // frame bytes written: headers, payloads and padding
  std::uint64_t syncs = 0;           // syncs that made at least one record durable
  HistogramCounts<kSyncLatencyBucketsUs.size()> sync_latency_us;  // per sync, sum in µs
  HistogramCounts<kGroupRecordsBuckets.size()> group_records;     // records made durable per sync
};

class SyncStatsRecorder {
 public:
  // Counts one sync that took `latency` and made `records` (> 0) records durable.
  void Record(std::chrono::nanoseconds latency, std::uint64_t records);

  // Fills the sync fields of `stats` (syncs, sync_latency_us, group_records).
  void Snapshot(LogStats* stats) const;

 private:
  template <std::size_t kBounds>
  struct AtomicHistogram {
    std::array<std::atomic<std::uint64_t>, kBounds + 1> buckets{};
    std::atomic<std::uint64_t> sum{0};
  };

  std::atomic<std::uint64_t> syncs_{0};
  AtomicHistogram<kSyncLatencyBucketsUs.size()> latency_us_;
  AtomicHistogram<kGroupRecordsBuckets.size()> group_records_;
};

}  // namespace tally::log
