#include "engine/segment_contact_facts.h"

#include <algorithm>
#include <variant>

#include "engine/goal_index.h"

namespace tally::engine {
namespace {

constexpr std::string_view kEventKindPrefix = "custom_event.";

// The first timeline item whose created_at is in `range`'s lower bound.
std::vector<TimelineItem>::const_iterator FirstFrom(const std::vector<TimelineItem>& items,
                                                    const TimeRange& range) {
  if (!range.after) return items.begin();
  const TimeUs after = *range.after;
  const bool inclusive = range.after_inclusive;
  return std::partition_point(items.begin(), items.end(), [&](const TimelineItem& item) {
    return inclusive ? item.created_at < after : item.created_at <= after;
  });
}

bool BeforeEnd(TimeUs t, const TimeRange& range) {
  if (!range.before) return true;
  return range.before_inclusive ? t <= *range.before : t < *range.before;
}

}  // namespace

bool TimelineItemHasKind(const TimelineItem& item, std::string_view kind) {
  if (std::holds_alternative<std::monostate>(item.content)) return kind == "contact.created";
  if (!kind.starts_with(kEventKindPrefix)) return false;
  const std::string_view name = kind.substr(kEventKindPrefix.size());
  if (const auto* derived = std::get_if<const EventEntry*>(&item.content)) {
    return *(*derived)->first.event_name == name;
  }
  if (const auto* frozen = std::get_if<std::unique_ptr<FrozenTimelineEntry>>(&item.content)) {
    return *(*frozen)->event_name == name;
  }
  return false;
}

const GoalSeries* SegmentContactFacts::Series(const GoalLeaf& leaf) const {
  if (leaf.goal_name.empty()) return FindGoalSeries(contact_, leaf.goal_type, nullptr);
  // Goal names are interned when first written, so a name never interned has no events.
  const std::string* name = interner_.Find(leaf.goal_name);
  return name == nullptr ? nullptr : FindGoalSeries(contact_, leaf.goal_type, name);
}

AggregateValue SegmentContactFacts::GoalAggregate(const GoalLeaf& leaf,
                                                  const TimeRange& range) const {
  const GoalSeries* series = Series(leaf);
  return series == nullptr ? AggregateValue{} : series->Aggregate(leaf.aggregate, range);
}

std::optional<TimeUs> SegmentContactFacts::NextGoalTimeAfter(const GoalLeaf& leaf, TimeUs t) const {
  const GoalSeries* series = Series(leaf);
  return series == nullptr ? std::nullopt : series->NextTimeAfter(t);
}

std::uint64_t SegmentContactFacts::TimelineCount(const TimelineLeaf& leaf,
                                                 const TimeRange& range) const {
  std::uint64_t count = 0;
  const auto& items = contact_.timeline;
  for (auto it = FirstFrom(items, range); it != items.end() && BeforeEnd(it->created_at, range);
       ++it) {
    if (TimelineItemHasKind(*it, leaf.kind)) ++count;
  }
  return count;
}

std::optional<TimeUs> SegmentContactFacts::NextTimelineTimeAfter(const TimelineLeaf& leaf,
                                                                 TimeUs t) const {
  TimeRange after;
  after.after = t;
  const auto& items = contact_.timeline;
  for (auto it = FirstFrom(items, after); it != items.end(); ++it) {
    if (TimelineItemHasKind(*it, leaf.kind)) return it->created_at;
  }
  return std::nullopt;
}

}  // namespace tally::engine
