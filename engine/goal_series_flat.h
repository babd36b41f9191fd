// The small-series form of GoalSeries, also used inside the tree's leaves: queries over a
// sorted array of elements, answered by binary searches for the range's ends and a linear scan
// between them. Up to ~128 elements this is about as fast as the tree (docs/benchmarks.md) and
// costs nothing beyond the elements themselves.
//
// Pure functions over caller-owned memory; thread safe as long as the caller's array is not
// written concurrently.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/clock.h"
#include "engine/goal_series_element.h"

namespace tally::engine {

// The first element whose key is not less than (occurred_at, cents). O(log n).
inline const GoalElement* FlatLowerBound(std::span<const GoalElement> elements, TimeUs occurred_at,
                                         std::int64_t cents) {
  return std::partition_point(
      elements.data(), elements.data() + elements.size(),
      [&](const GoalElement& e) { return KeyLess(e.occurred_at, e.cents, occurred_at, cents); });
}

// The summary of the elements with bounds.lo <= occurred_at <= bounds.hi; with kCountOnly
// only `count` is filled in. O(log n), plus the matched elements for kAll.
inline GoalSummary FlatQuery(std::span<const GoalElement> elements, ClosedTimeBounds bounds,
                             SummaryFields fields) {
  GoalSummary summary;
  if (elements.empty()) return summary;
  // A range that covers one end of the array needs no search for that end: in a tree most
  // leaves a query reaches are cut on one side only.
  const GoalElement* end = elements.data() + elements.size();
  const GoalElement* first =
      elements.front().occurred_at >= bounds.lo
          ? elements.data()
          : std::partition_point(elements.data(), end,
                                 [&](const GoalElement& e) { return e.occurred_at < bounds.lo; });
  const GoalElement* last = elements.back().occurred_at <= bounds.hi
                                ? end
                                : std::partition_point(first, end, [&](const GoalElement& e) {
                                    return e.occurred_at <= bounds.hi;
                                  });
  if (fields == SummaryFields::kCountOnly) {
    summary.count = static_cast<std::uint64_t>(last - first);
    return summary;
  }
  for (const GoalElement* it = first; it < last; ++it) summary.Add(*it);
  return summary;
}

// The smallest occurred_at strictly greater than t, if any. O(log n).
inline std::optional<TimeUs> FlatNextTimeAfter(std::span<const GoalElement> elements, TimeUs t) {
  const GoalElement* end = elements.data() + elements.size();
  const GoalElement* it = std::partition_point(
      elements.data(), end, [&](const GoalElement& e) { return e.occurred_at <= t; });
  if (it == end) return std::nullopt;
  return it->occurred_at;
}

}  // namespace tally::engine
