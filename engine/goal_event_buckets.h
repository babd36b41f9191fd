// GoalEventBuckets: a copy of one stripe's live goal events of one goal type, bucketed by
// occurred_at, so that a segment leaf over a time range (in_date_range, before_date,
// after_date, in_the_last_days) visits only the events in that range, in a few long runs,
// instead of one goal series per contact (docs/segments.md, "Range leaves").
//
// Each element is an event's occurred_at, its value in cents (kNoCents: none), the contact's
// row in the goal type's column and its row in the any-goal-type column (engine/
// goal_columns.h); nothing else tells two events apart, so elements equal in all four are
// interchangeable. The buckets partition time: bucket i holds the elements with
// starts[i] ≤ occurred_at < starts[i + 1] (the first starts at the earliest time, the last
// runs to the latest), unordered inside, each field in its own array (a scan of a bucket that
// lies wholly inside a range reads only the values and rows). A bucket that reaches the size
// limit is split at the median occurred_at, and one that loses its last element is merged
// into its neighbour, so bucket sizes follow the density of events whatever their time span.
// Insert is O(log buckets) amortized, Erase O(log buckets + bucket size).
//
// Derived state kept by the goal index (engine/goal_index.h) with the columns; not part of
// the snapshot. Thread safety: none; guarded by the stripe's lock like the columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "engine/clock.h"
#include "engine/goal_series_element.h"

namespace tally::engine {

// Elements per bucket before it is split: an Erase scans at most this many, and a range scan
// checks occurred_at only in its two edge buckets. Picked by BM_GoalEventBuckets*
// (bench/segment_bench.cc).
inline constexpr std::uint32_t kGoalEventBucketElementsMax = 256;

// The elements of one bucket that a range scan visits. `times` is needed only when the bucket
// is not wholly inside the range (`inside` false). Every row in `rows` is below `rows_end` and
// every one in `any_rows` below `any_rows_end`, so that a scan checks its row indexes once per
// span instead of once per element.
struct GoalEventSpan {
  const TimeUs* times = nullptr;
  const std::int64_t* cents = nullptr;
  const std::uint32_t* rows = nullptr;      // in the goal type's column
  const std::uint32_t* any_rows = nullptr;  // in the any-goal-type column
  std::uint32_t size = 0;
  std::uint32_t rows_end = 0;
  std::uint32_t any_rows_end = 0;
  bool inside = false;
};

class GoalEventBuckets {
 public:
  GoalEventBuckets() : GoalEventBuckets(kGoalEventBucketElementsMax) {}
  explicit GoalEventBuckets(std::uint32_t bucket_elements_max);
  GoalEventBuckets(GoalEventBuckets&&) noexcept = default;
  GoalEventBuckets& operator=(GoalEventBuckets&&) noexcept = default;

  // Adds one element; `cents` is kNoCents for an event without a value.
  void Insert(TimeUs occurred_at, std::int64_t cents, std::uint32_t row, std::uint32_t any_row);

  // Removes one element equal to (occurred_at, cents, row); it must be present (asserted).
  void Erase(TimeUs occurred_at, std::int64_t cents, std::uint32_t row);

  // Removes the `count` elements of `row`, all of which lie in [oldest, newest] (a contact's
  // erasure). O(elements of the buckets overlapping [oldest, newest]).
  void EraseRow(std::uint32_t row, TimeUs oldest, TimeUs newest, std::uint64_t count);

  // Calls visit(const GoalEventSpan&) for every bucket that may hold an element with
  // occurred_at in [bounds.lo, bounds.hi], in time order; `inside` says the whole bucket does.
  template <typename Visit>
  void ForEachSpan(const ClosedTimeBounds& bounds, Visit&& visit) const;

  // The number of elements of the buckets ForEachSpan would visit: an upper bound of the
  // elements in range, and the work of a scan. O(buckets).
  std::uint64_t SizeOverlapping(const ClosedTimeBounds& bounds) const;

  std::uint64_t size() const { return size_; }
  std::size_t bucket_count() const { return buckets_.size(); }
  // Bytes of heap memory held, for the memory figures.
  std::size_t MemoryBytes() const;

 private:
  static constexpr TimeUs kTimeMin = std::numeric_limits<TimeUs>::min();
  static constexpr TimeUs kTimeMax = std::numeric_limits<TimeUs>::max();

  // Fields in two typed blocks: times then cents, rows then any_rows, `capacity` each.
  struct Bucket {
    std::unique_ptr<std::int64_t[]> words;
    std::unique_ptr<std::uint32_t[]> row_words;
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;
    std::uint32_t split_at = 0;  // the size at which a split is tried next
    // Above every row (any_row) the bucket has held since it was made: erasures leave them, so
    // they stay bounds of the rows present.
    std::uint32_t rows_end = 0;
    std::uint32_t any_rows_end = 0;

    TimeUs* times() const { return words.get(); }
    std::int64_t* cents() const { return words.get() + capacity; }
    std::uint32_t* rows() const { return row_words.get(); }
    std::uint32_t* any_rows() const { return row_words.get() + capacity; }
  };

  // The bucket whose interval holds t; buckets_ is not empty.
  std::size_t Locate(TimeUs t) const;
  // The last time bucket i holds.
  TimeUs LastTime(std::size_t i) const {
    return i + 1 < starts_.size() ? starts_[i + 1] - 1 : kTimeMax;
  }
  void Reserve(Bucket& bucket, std::uint32_t capacity);
  void Append(Bucket& bucket, TimeUs t, std::int64_t cents, std::uint32_t row,
              std::uint32_t any_row);
  // Moves element j out of the bucket (the last takes its place).
  void RemoveAt(std::size_t i, std::uint32_t j);
  // Splits bucket i at its median occurred_at; false when all its elements share one time.
  bool Split(std::size_t i);
  // Drops bucket i, which is empty, giving its interval to a neighbour; shrinks a bucket left
  // mostly unused.
  void Tidy(std::size_t i);

  std::uint32_t bucket_elements_max_;
  std::vector<TimeUs> starts_;   // ascending; starts_[0] is kTimeMin
  std::vector<Bucket> buckets_;  // buckets_[i] holds [starts_[i], starts_[i + 1])
  std::uint64_t size_ = 0;
};

template <typename Visit>
void GoalEventBuckets::ForEachSpan(const ClosedTimeBounds& bounds, Visit&& visit) const {
  if (buckets_.empty() || bounds.Empty()) return;
  for (std::size_t i = Locate(bounds.lo); i < buckets_.size() && starts_[i] <= bounds.hi; ++i) {
    const Bucket& b = buckets_[i];
    if (b.size == 0) continue;
    GoalEventSpan span;
    span.times = b.times();
    span.cents = b.cents();
    span.rows = b.rows();
    span.any_rows = b.any_rows();
    span.size = b.size;
    span.rows_end = b.rows_end;
    span.any_rows_end = b.any_rows_end;
    span.inside = starts_[i] >= bounds.lo && LastTime(i) <= bounds.hi;
    visit(span);
  }
}

}  // namespace tally::engine
