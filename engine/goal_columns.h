// GoalColumns: per contact stripe, dense columns of every contact's "anytime" goal aggregates,
// one column per goal type and one for any goal type, so that segment evaluation scans arrays
// instead of chasing each contact's goal series (docs/segments.md, "Columns").
//
// A contact has a row in a column while it has live goal events of the column's goal type (for
// column 0: of any goal type); the row holds their count, valued count, sum, min, max, oldest
// and newest occurred_at, the contact's GoalSeries of that type (every goal name), the first
// bytes of its email and the contact itself. Rows of contacts that lose their last such event
// (or are erased) go on a free list and are reused. The columns are derived state: they are
// kept exact by the goal index (engine/goal_index.h) on every write, replay and snapshot load,
// and are not part of the snapshot.
//
// Next to the columns, each goal type's live events are copied into time buckets
// (engine/goal_event_buckets.h) that name their rows, so that a leaf over a time range is
// aggregated for every row by one pass over the events in range (engine/goal_range_aggregates.h).
//
// Thread safety: none; a stripe's columns are guarded by that stripe's lock (readers shared,
// writers exclusive), like the contacts they describe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/goal_event_buckets.h"
#include "engine/goal_series.h"
#include "engine/model.h"
#include "engine/workspace_fwd.h"

namespace tally::engine {

// Column 0 holds every goal type (GoalType::kNone, which never has goal events, would be 0);
// column t holds goal type t.
inline constexpr std::size_t kGoalColumnCount = kGoalTypeCount;
inline constexpr std::size_t kAnyGoalColumn = 0;

inline std::size_t GoalColumnIndex(std::optional<GoalType> goal_type) {
  return goal_type ? static_cast<std::size_t>(*goal_type) : kAnyGoalColumn;
}

// GCC's 128-bit integer (__extension__ keeps -Wpedantic quiet): a sum of values stays exact
// whatever the number of events, as GoalSeries' own sums do.
__extension__ typedef __int128 GoalColumnSum;

// The first 8 bytes of an email, big-endian and zero-padded: a < b as integers implies a < b
// as strings (and equal integers decide nothing), so the smallest emails are found without
// reading most of them.
std::uint64_t EmailPrefix(std::string_view email);

// A row's aggregates, in one cache line: a write touches one line per column, and a scan reads
// the lines in order.
struct alignas(64) GoalRow {
  GoalColumnSum sum_cents = 0;     // total of the values (events without one add 0)
  std::uint32_t count = 0;         // live events; 0 marks a free row
  std::uint32_t valued_count = 0;  // of which carry a goal_value
  std::int64_t min_cents = 0;      // over valued events; stale when valued_count is 0
  std::int64_t max_cents = 0;
  TimeUs oldest = 0;  // occurred_at of the oldest and newest live event
  TimeUs newest = 0;
};

// What a row refers to, read only for the rows a scan keeps.
struct GoalRowRefs {
  const GoalSeries* series = nullptr;  // the contact's series of this column, any goal name
  const ContactEntry* contact = nullptr;
  std::uint64_t email_prefix = 0;
};

struct GoalColumn {
  std::vector<GoalRow> rows;      // indexed by row
  std::vector<GoalRowRefs> refs;  // indexed by row
  std::vector<std::uint32_t> free_rows;

  std::uint32_t size() const { return static_cast<std::uint32_t>(rows.size()); }

  // A row for `contact`, with no events yet; O(1) amortized.
  std::uint32_t Allocate(const ContactEntry& contact);
  // Returns a row to the free list.
  void Free(std::uint32_t row);

  // Counts one live event into / out of a row. RemoveEvent reads `series`, the contact's series
  // of this column after the event left it, when the event held the row's min, max, oldest or
  // newest (O(log n) each, O(log n × 64) for newest); a row left with no event is freed and
  // false is returned.
  void AddEvent(std::uint32_t row, TimeUs occurred_at, std::optional<std::int64_t> cents);
  bool RemoveEvent(std::uint32_t row, TimeUs occurred_at, std::optional<std::int64_t> cents,
                   const GoalSeries& series);

  // The row's aggregate over every live event, with GoalSeries::Aggregate's meaning.
  AggregateValue Anytime(std::uint32_t row, AggregateOp op) const;

  // Heap bytes held, for the memory figures.
  std::size_t MemoryBytes() const;
};

struct GoalColumns {
  std::array<GoalColumn, kGoalColumnCount> columns;
  // events[t]: the live events of goal type t, with their rows in columns[t] and in
  // columns[kAnyGoalColumn]. events[kAnyGoalColumn] stays empty: an "any goal type" range
  // scan reads every type's buckets through their any-type rows.
  std::array<GoalEventBuckets, kGoalColumnCount> events;
};

}  // namespace tally::engine
