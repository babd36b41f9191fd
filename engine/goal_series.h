// GoalSeries: one contact's live goal events of one goal type (optionally one goal name),
// ordered by occurred_at, answering sum / count / avg / min / max over any time range.
//
// Each element is an event's occurred_at and optional value in cents (Notifuse allows goal
// events without goal_value: they count, but take no part in sum/avg/min/max), 16 bytes. Events
// with the same time and value are interchangeable in every aggregate, so the series does not
// tell them apart: it may hold equal elements, and Erase removes one of them.
//
// Complexity: Insert, Erase and Aggregate are O(log n) in the series' size (small series are
// kept flat because a scan of a few dozen elements beats any tree), so one "hot" contact with a
// million events neither slows its own writes to O(n) nor its queries.
//
// Thread safety: none; the engine guards each series with the lock stripe of its contact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "engine/clock.h"
#include "engine/model.h"

namespace tally::engine {

class GoalSeries {
 public:
  GoalSeries();
  ~GoalSeries();
  GoalSeries(GoalSeries&&) noexcept;
  GoalSeries& operator=(GoalSeries&&) noexcept;
  GoalSeries(const GoalSeries&) = delete;
  GoalSeries& operator=(const GoalSeries&) = delete;

  // Adds an element.
  void Insert(TimeUs occurred_at, std::optional<std::int64_t> cents);

  // Removes one element equal to (occurred_at, cents); one must be present (asserted).
  void Erase(TimeUs occurred_at, std::optional<std::int64_t> cents);

  // The aggregate over elements whose occurred_at lies in `range`. `matched` is the number of
  // elements in range (valued or not). kCount: cents = matched. kSum: cents = sum of values (0
  // when none are valued). kAvg: average_cents over valued elements, absent when none. kMin /
  // kMax: absent when no element in range has a value.
  AggregateValue Aggregate(AggregateOp op, const TimeRange& range) const;

  // The smallest occurred_at strictly greater than t, if any (used to schedule the moment a
  // sliding time window next changes a result).
  std::optional<TimeUs> NextTimeAfter(TimeUs t) const;

  std::size_t size() const;
  bool empty() const { return size() == 0; }

  // Starts loading the series' storage into the cache; a hint without effect on the contents,
  // so that a scan over many contacts' series (segment previews) overlaps their cache misses.
  void Prefetch() const { __builtin_prefetch(rep_.get()); }

  // Bytes of heap memory held, for the memory benchmarks.
  std::size_t MemoryBytes() const;

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace tally::engine
