#include "engine/goal_columns.h"

#include <algorithm>
#include <limits>

#include "engine/goal_series_element.h"
#include "engine/workspace.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

// The newest occurred_at of a non-empty series that has nothing at or after `above`: the
// greatest t with an element at or after t, found by bisection on counts (the series answers
// counts over ranges, not "the last element"). At most 64 counts of O(log n) each.
TimeUs NewestBelow(const GoalSeries& series, TimeUs oldest, TimeUs above) {
  TALLY_ASSERT(oldest < above);
  TimeUs lo = oldest;  // something at or after lo
  TimeUs hi = above;   // nothing at or after hi
  while (hi - lo > 1) {
    const TimeUs mid = lo + (hi - lo) / 2;
    TimeRange from;
    from.after = mid;
    from.after_inclusive = true;
    if (series.Aggregate(AggregateOp::kCount, from).matched > 0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

std::uint64_t EmailPrefix(std::string_view email) {
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const unsigned char c = i < email.size() ? static_cast<unsigned char>(email[i]) : 0;
    prefix = prefix << 8 | c;
  }
  return prefix;
}

std::uint32_t GoalColumn::Allocate(const ContactEntry& contact) {
  std::uint32_t row = 0;
  if (!free_rows.empty()) {
    row = free_rows.back();
    free_rows.pop_back();
    TALLY_ASSERT(rows[row].count == 0 && refs[row].contact == nullptr);
    rows[row] = GoalRow{};
  } else {
    TALLY_ASSERT_MSG(rows.size() < std::numeric_limits<std::uint32_t>::max(), "too many rows");
    row = size();
    rows.emplace_back();
    refs.emplace_back();
  }
  refs[row] = GoalRowRefs{nullptr, &contact, EmailPrefix(contact.first)};
  return row;
}

void GoalColumn::Free(std::uint32_t row) {
  TALLY_ASSERT(row < size() && refs[row].contact != nullptr);
  rows[row].count = 0;
  refs[row] = GoalRowRefs{};
  free_rows.push_back(row);
}

void GoalColumn::AddEvent(std::uint32_t row, TimeUs occurred_at,
                          std::optional<std::int64_t> cents) {
  TALLY_ASSERT(row < size() && refs[row].contact != nullptr);
  GoalRow& r = rows[row];
  TALLY_ASSERT_MSG(r.count < std::numeric_limits<std::uint32_t>::max(), "row count overflow");
  r.oldest = r.count == 0 ? occurred_at : std::min(r.oldest, occurred_at);
  r.newest = r.count == 0 ? occurred_at : std::max(r.newest, occurred_at);
  ++r.count;
  if (!cents) return;
  r.min_cents = r.valued_count == 0 ? *cents : std::min(r.min_cents, *cents);
  r.max_cents = r.valued_count == 0 ? *cents : std::max(r.max_cents, *cents);
  ++r.valued_count;
  r.sum_cents += *cents;
}

bool GoalColumn::RemoveEvent(std::uint32_t row, TimeUs occurred_at,
                             std::optional<std::int64_t> cents, const GoalSeries& after) {
  TALLY_ASSERT(row < size());
  GoalRow& r = rows[row];
  TALLY_ASSERT(r.count > 0 && occurred_at >= r.oldest && occurred_at <= r.newest);
  --r.count;
  if (r.count == 0) {
    Free(row);
    return false;
  }
  TALLY_ASSERT(after.size() == r.count);
  if (cents) {
    TALLY_ASSERT(r.valued_count > 0);
    --r.valued_count;
    r.sum_cents -= *cents;
    // Another event may hold the same extreme; the series says what the extremes are now.
    if (r.valued_count > 0 && *cents == r.min_cents) {
      r.min_cents = *after.Aggregate(AggregateOp::kMin, TimeRange{}).cents;
    }
    if (r.valued_count > 0 && *cents == r.max_cents) {
      r.max_cents = *after.Aggregate(AggregateOp::kMax, TimeRange{}).cents;
    }
  }
  if (occurred_at == r.oldest) r.oldest = *after.NextTimeAfter(r.oldest - 1);
  if (occurred_at == r.newest) {
    TimeRange at_newest;
    at_newest.after = r.newest;
    at_newest.after_inclusive = true;
    if (after.Aggregate(AggregateOp::kCount, at_newest).matched == 0) {
      r.newest = NewestBelow(after, r.oldest, r.newest);
    }
  }
  TALLY_ASSERT(r.oldest <= r.newest);
  return true;
}

AggregateValue GoalColumn::Anytime(std::uint32_t row, AggregateOp op) const {
  const GoalRow& r = rows[row];
  TALLY_ASSERT(r.count > 0);
  // The summary a series computes over its elements, so that both answer alike.
  GoalSummary summary;
  summary.count = r.count;
  summary.valued = r.valued_count;
  summary.sum = r.sum_cents;
  if (r.valued_count > 0) {
    summary.min = r.min_cents;
    summary.max = r.max_cents;
  }
  return ToAggregateValue(op, summary);
}

std::size_t GoalColumn::MemoryBytes() const {
  return rows.capacity() * sizeof(GoalRow) + refs.capacity() * sizeof(GoalRowRefs) +
         free_rows.capacity() * sizeof(std::uint32_t);
}

}  // namespace tally::engine
