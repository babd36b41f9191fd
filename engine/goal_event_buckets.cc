#include "engine/goal_event_buckets.h"

#include <algorithm>
#include <iterator>

#include "log/assert.h"

namespace tally::engine {

GoalEventBuckets::GoalEventBuckets(std::uint32_t bucket_elements_max)
    : bucket_elements_max_(bucket_elements_max) {
  TALLY_ASSERT(bucket_elements_max_ >= 2);
}

std::size_t GoalEventBuckets::Locate(TimeUs t) const {
  TALLY_ASSERT(!starts_.empty() && starts_.front() == kTimeMin);
  const auto after = std::upper_bound(starts_.begin(), starts_.end(), t);
  return static_cast<std::size_t>(std::distance(starts_.begin(), after)) - 1;
}

void GoalEventBuckets::Reserve(Bucket& bucket, std::uint32_t capacity) {
  TALLY_ASSERT(capacity >= bucket.size);
  Bucket grown;
  grown.words = std::make_unique_for_overwrite<std::int64_t[]>(std::size_t{capacity} * 2);
  grown.row_words = std::make_unique_for_overwrite<std::uint32_t[]>(std::size_t{capacity} * 2);
  grown.capacity = capacity;
  grown.size = bucket.size;
  grown.split_at = bucket.split_at;
  grown.rows_end = bucket.rows_end;
  grown.any_rows_end = bucket.any_rows_end;
  std::copy_n(bucket.times(), bucket.size, grown.times());
  std::copy_n(bucket.cents(), bucket.size, grown.cents());
  std::copy_n(bucket.rows(), bucket.size, grown.rows());
  std::copy_n(bucket.any_rows(), bucket.size, grown.any_rows());
  bucket = std::move(grown);
}

void GoalEventBuckets::Append(Bucket& bucket, TimeUs t, std::int64_t cents, std::uint32_t row,
                              std::uint32_t any_row) {
  if (bucket.size == bucket.capacity) {
    TALLY_ASSERT_MSG(bucket.capacity <= std::numeric_limits<std::uint32_t>::max() / 2,
                     "goal event bucket too large");
    // Doubled, but never beyond the size at which the bucket splits. (Growing by half instead
    // saves ~5 of ~34 bytes per event when a snapshot load fills buckets in random time order,
    // and takes ~1.7 times as long per insert: BM_GoalEventBucketsInsert/1.)
    const std::uint32_t grown = std::max<std::uint32_t>(4, bucket.capacity * 2);
    Reserve(bucket, std::max(bucket.size + 1, std::min(grown, bucket.split_at)));
  }
  TALLY_ASSERT(row < std::numeric_limits<std::uint32_t>::max() &&
               any_row < std::numeric_limits<std::uint32_t>::max());
  bucket.rows_end = std::max(bucket.rows_end, row + 1);
  bucket.any_rows_end = std::max(bucket.any_rows_end, any_row + 1);
  const std::uint32_t j = bucket.size++;
  bucket.times()[j] = t;
  bucket.cents()[j] = cents;
  bucket.rows()[j] = row;
  bucket.any_rows()[j] = any_row;
}

void GoalEventBuckets::Insert(TimeUs occurred_at, std::int64_t cents, std::uint32_t row,
                              std::uint32_t any_row) {
  if (buckets_.empty()) {
    starts_.push_back(kTimeMin);
    buckets_.emplace_back().split_at = bucket_elements_max_;
  }
  std::size_t i = Locate(occurred_at);
  if (buckets_[i].size >= buckets_[i].split_at) {
    if (Split(i)) {
      i = Locate(occurred_at);
    } else {
      // Every element has one occurred_at: try again only once the bucket has doubled, so
      // that a burst of events in one microsecond does not pay for a split per insert.
      buckets_[i].split_at = buckets_[i].size * 2;
    }
  }
  Append(buckets_[i], occurred_at, cents, row, any_row);
  ++size_;
}

bool GoalEventBuckets::Split(std::size_t i) {
  const Bucket& full = buckets_[i];
  TALLY_ASSERT(full.size >= 2);
  std::vector<TimeUs> times(full.times(), full.times() + full.size);
  auto middle = times.begin() + times.size() / 2;
  std::nth_element(times.begin(), middle, times.end());
  TimeUs split = *middle;
  // The lower bucket takes the times below `split`; when the median is also the minimum, the
  // next larger time splits instead, and without one the bucket cannot be split.
  const TimeUs lowest = *std::min_element(times.begin(), middle + 1);
  if (split == lowest) {
    TimeUs next = kTimeMax;
    bool found = false;
    for (const TimeUs t : times) {
      if (t > lowest && t <= next) {
        next = t;
        found = true;
      }
    }
    if (!found) return false;
    split = next;
  }
  TALLY_ASSERT(split > starts_[i] && split <= LastTime(i));
  std::uint32_t lower_size = 0;
  for (std::uint32_t j = 0; j < full.size; ++j) lower_size += full.times()[j] < split ? 1 : 0;
  TALLY_ASSERT(lower_size > 0 && lower_size < full.size);
  Bucket lower;
  Bucket upper;
  Reserve(lower, lower_size);
  Reserve(upper, full.size - lower_size);
  for (std::uint32_t j = 0; j < full.size; ++j) {
    const TimeUs t = full.times()[j];
    Append(t < split ? lower : upper, t, full.cents()[j], full.rows()[j], full.any_rows()[j]);
  }
  lower.split_at = bucket_elements_max_;
  upper.split_at = bucket_elements_max_;
  buckets_[i] = std::move(lower);
  buckets_.insert(buckets_.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(upper));
  starts_.insert(starts_.begin() + static_cast<std::ptrdiff_t>(i) + 1, split);
  return true;
}

void GoalEventBuckets::RemoveAt(std::size_t i, std::uint32_t j) {
  Bucket& b = buckets_[i];
  TALLY_ASSERT(j < b.size && size_ > 0);
  const std::uint32_t last = --b.size;
  b.times()[j] = b.times()[last];
  b.cents()[j] = b.cents()[last];
  b.rows()[j] = b.rows()[last];
  b.any_rows()[j] = b.any_rows()[last];
  --size_;
}

void GoalEventBuckets::Tidy(std::size_t i) {
  Bucket& b = buckets_[i];
  if (b.size == 0) {
    if (buckets_.size() == 1) {
      // The last bucket goes too, so an unused goal type holds no memory.
      buckets_.clear();
      starts_.clear();
      return;
    }
    // The neighbour before takes the interval; the first bucket's neighbour after does.
    if (i == 0) starts_[1] = kTimeMin;
    buckets_.erase(buckets_.begin() + static_cast<std::ptrdiff_t>(i));
    starts_.erase(starts_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
  if (b.capacity >= 16 && b.size <= b.capacity / 4) Reserve(b, b.size * 2);
  b.split_at = std::max(bucket_elements_max_, std::min(b.split_at, b.size * 2));
}

void GoalEventBuckets::Erase(TimeUs occurred_at, std::int64_t cents, std::uint32_t row) {
  TALLY_ASSERT(!buckets_.empty());
  const std::size_t i = Locate(occurred_at);
  const Bucket& b = buckets_[i];
  std::uint32_t j = 0;
  while (j < b.size &&
         !(b.rows()[j] == row && b.times()[j] == occurred_at && b.cents()[j] == cents)) {
    ++j;
  }
  TALLY_ASSERT_MSG(j < b.size, "erased goal event not in its bucket");
  RemoveAt(i, j);
  Tidy(i);
}

void GoalEventBuckets::EraseRow(std::uint32_t row, TimeUs oldest, TimeUs newest,
                                std::uint64_t count) {
  TALLY_ASSERT(oldest <= newest && count > 0 && !buckets_.empty());
  std::uint64_t left = count;
  std::size_t i = Locate(oldest);
  while (left > 0) {
    TALLY_ASSERT_MSG(i < buckets_.size() && starts_[i] <= newest, "row's events not found");
    for (std::uint32_t j = 0; j < buckets_[i].size && left > 0;) {
      if (buckets_[i].rows()[j] == row) {
        RemoveAt(i, j);  // the last element moved to j: look at j again
        --left;
      } else {
        ++j;
      }
    }
    const std::size_t before = buckets_.size();
    Tidy(i);
    // A dropped bucket's successor now has index i.
    if (buckets_.size() == before) ++i;
    if (buckets_.empty()) break;
  }
  TALLY_ASSERT(left == 0);
}

std::uint64_t GoalEventBuckets::SizeOverlapping(const ClosedTimeBounds& bounds) const {
  std::uint64_t total = 0;
  ForEachSpan(bounds, [&](const GoalEventSpan& span) { total += span.size; });
  return total;
}

std::size_t GoalEventBuckets::MemoryBytes() const {
  std::size_t bytes = starts_.capacity() * sizeof(TimeUs) + buckets_.capacity() * sizeof(Bucket);
  for (const Bucket& b : buckets_) {
    bytes += std::size_t{b.capacity} * 2 * (sizeof(std::int64_t) + sizeof(std::uint32_t));
  }
  return bytes;
}

}  // namespace tally::engine
