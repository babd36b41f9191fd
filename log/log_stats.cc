#include "log/log_stats.h"

#include <algorithm>

#include "log/assert.h"

namespace tally::log {
namespace {

// Only one thread records at a time, so a load and a store replace the locked add.
void Bump(std::atomic<std::uint64_t>& counter, std::uint64_t by) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

template <std::size_t kBounds>
std::size_t BucketOf(const std::array<std::uint64_t, kBounds>& bounds, std::uint64_t value) {
  return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                                  bounds.begin());
}

template <std::size_t kBounds, typename Atomic>
void Copy(const Atomic& from, HistogramCounts<kBounds>* to) {
  for (std::size_t i = 0; i < to->buckets.size(); ++i) {
    to->buckets[i] = from.buckets[i].load(std::memory_order_relaxed);
  }
  to->sum = from.sum.load(std::memory_order_relaxed);
}

}  // namespace

void SyncStatsRecorder::Record(std::chrono::nanoseconds latency, std::uint64_t records) {
  TALLY_ASSERT(records > 0);
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
  Bump(latency_us_.buckets[BucketOf(kSyncLatencyBucketsUs, us)], 1);
  Bump(latency_us_.sum, us);
  Bump(group_records_.buckets[BucketOf(kGroupRecordsBuckets, records)], 1);
  Bump(group_records_.sum, records);
  Bump(syncs_, 1);
}

void SyncStatsRecorder::Snapshot(LogStats* stats) const {
  stats->syncs = syncs_.load(std::memory_order_relaxed);
  Copy(latency_us_, &stats->sync_latency_us);
  Copy(group_records_, &stats->group_records);
}

}  // namespace tally::log
