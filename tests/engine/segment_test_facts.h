// Test support for segment evaluation: a contact held as plain vectors of goal events and
// timeline entries, its ContactFacts (aggregates computed by a real GoalSeries built from the
// events that match the leaf), and a brute-force leaf evaluation written straight from the
// contract's tables with exact integer arithmetic, to check the evaluator against.
//
// Not thread safe; each test owns its contacts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <date/date.h>

#include "engine/goal_series.h"
#include "engine/segment_eval.h"
#include "engine/segment_tree_parser.h"

namespace tally::engine {

inline constexpr TimeUs kTestSecondUs = 1'000'000;
inline constexpr TimeUs kTestDayUs = 86'400 * kTestSecondUs;
// 2024-06-01T00:00:00Z.
inline constexpr TimeUs kTestNowUs = 1'717'200'000'000'000;

struct PlainEvent {
  GoalType goal_type = GoalType::kPurchase;
  std::string goal_name;              // empty: none
  std::optional<std::int64_t> cents;  // goal_value
  TimeUs occurred_at = kTestNowUs;
  bool deleted = false;
};

struct PlainTimelineEntry {
  std::string kind;
  TimeUs created_at = 0;
};

struct PlainContact {
  PlainContact() = default;
  PlainContact(std::vector<PlainEvent> e, std::vector<PlainTimelineEntry> t = {})  // NOLINT
      : events(std::move(e)), timeline(std::move(t)) {}
  std::vector<PlainEvent> events;
  std::vector<PlainTimelineEntry> timeline;
};

// The events a goal leaf aggregates over, ignoring its timeframe.
inline bool MatchesGoalFilter(const GoalLeaf& leaf, const PlainEvent& e) {
  if (e.deleted || e.goal_type == GoalType::kNone) return false;
  if (leaf.goal_type && e.goal_type != *leaf.goal_type) return false;
  return leaf.goal_name.empty() || leaf.goal_name == e.goal_name;
}

class PlainContactFacts final : public ContactFacts {
 public:
  explicit PlainContactFacts(const PlainContact& contact) : contact_(contact) {}

  AggregateValue GoalAggregate(const GoalLeaf& leaf, const TimeRange& range) const override {
    return Series(leaf).Aggregate(leaf.aggregate, range);
  }
  std::optional<TimeUs> NextGoalTimeAfter(const GoalLeaf& leaf, TimeUs t) const override {
    return Series(leaf).NextTimeAfter(t);
  }
  std::uint64_t TimelineCount(const TimelineLeaf& leaf, const TimeRange& range) const override {
    std::uint64_t count = 0;
    for (const PlainTimelineEntry& entry : contact_.timeline) {
      if (entry.kind == leaf.kind && InRange(entry.created_at, range)) ++count;
    }
    return count;
  }
  std::optional<TimeUs> NextTimelineTimeAfter(const TimelineLeaf& leaf, TimeUs t) const override {
    std::optional<TimeUs> next;
    for (const PlainTimelineEntry& entry : contact_.timeline) {
      if (entry.kind == leaf.kind && entry.created_at > t) {
        next = std::min(next.value_or(entry.created_at), entry.created_at);
      }
    }
    return next;
  }

  static bool InRange(TimeUs t, const TimeRange& range) {
    if (range.after && (range.after_inclusive ? t < *range.after : t <= *range.after)) {
      return false;
    }
    if (range.before && (range.before_inclusive ? t > *range.before : t >= *range.before)) {
      return false;
    }
    return true;
  }

 private:
  GoalSeries Series(const GoalLeaf& leaf) const {
    GoalSeries series;
    for (const PlainEvent& e : contact_.events) {
      if (MatchesGoalFilter(leaf, e)) series.Insert(e.occurred_at, e.cents);
    }
    return series;
  }

  const PlainContact& contact_;
};

// Parses `tree_json` in `timezone`, failing the test on an error.
// GoogleTest reports the exception as the test's failure.
inline SegmentTree MustParse(const std::string& tree_json, const std::string& timezone = "") {
  Result<SegmentTree> tree = ParseSegmentTree(tree_json, timezone);
  if (!tree.ok()) {
    throw std::runtime_error(tree.status().ToString() + " in " + tree_json);
  }
  return std::move(tree).value();
}

inline bool Matches(const std::string& tree_json, const PlainContact& contact, TimeUs now,
                    const std::string& timezone = "") {
  const SegmentTree tree = MustParse(tree_json, timezone);
  return EvaluateSegment(tree, PlainContactFacts(contact), now);
}

// A leaf node's JSON text.
inline std::string GoalLeafJson(const std::string& fields) {
  return R"({"kind":"leaf","leaf":{"source":"custom_events_goals","custom_events_goal":{)" +
         fields + "}}}";
}
inline std::string TimelineLeafJson(const std::string& fields) {
  return R"({"kind":"leaf","leaf":{"source":"contact_timeline","contact_timeline":{)" + fields +
         "}}}";
}
inline std::string BranchJson(const std::string& op, const std::vector<std::string>& children) {
  std::string out = R"({"kind":"branch","branch":{"operator":")" + op + R"(","leaves":[)";
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (i > 0) out += ',';
    out += children[i];
  }
  return out + "]}}";
}

// Microseconds at the start of a UTC calendar day.
inline TimeUs UtcDayUs(int year, unsigned month, unsigned day) {
  const date::sys_days d{date::year{year} / date::month{month} / date::day{day}};
  return d.time_since_epoch().count() * kTestDayUs;
}

}  // namespace tally::engine
