// SegmentTree: a parsed and validated segment tree (reference §5.1/§5.2, contract §4, D15, D16).
//
// A tree is `and` / `or` branches (≥ 1 child), `not` branches (exactly one child, D15) and
// leaves. A goal leaf compares an aggregate of a contact's live goal events (sum, count, avg,
// min, max over one goal type or "*", optionally one goal_name, within a timeframe) with a
// value; a timeline leaf compares the number of the contact's timeline entries of one kind
// within a timeframe with a count. Everything the JSON can get wrong is rejected by
// ParseSegmentTree (engine/segment_tree_parser.h), so a SegmentTree is always valid.
// Value types, immutable once parsed; safe to share between threads for reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/model.h"
#include "engine/segment_time_zone.h"
#include "engine/segment_timeframe.h"
#include "engine/segment_value.h"

namespace tally::engine {

enum class BranchOp : std::uint8_t { kAnd, kOr, kNot };
enum class GoalCompareOp : std::uint8_t { kGte, kLte, kEq, kBetween };
enum class TimelineCountOp : std::uint8_t { kAtLeast, kAtMost, kExactly };

// source "custom_events_goals". A contact matches only with ≥ 1 matching live event, and
// min/max/avg over events without values do not match (D15).
struct GoalLeaf {
  std::optional<GoalType> goal_type;  // nullopt: "*", any goal type but never kNone
  std::string goal_name;              // empty: any goal name
  AggregateOp aggregate = AggregateOp::kSum;
  GoalCompareOp compare = GoalCompareOp::kGte;
  SegmentValue value;
  SegmentValue value_2;  // between only; value ≤ value_2
  SegmentTimeframe timeframe;
};

// source "contact_timeline": the count of timeline entries of `kind` whose created_at lies in
// the timeframe; a count of zero matches like any other.
struct TimelineLeaf {
  std::string kind;
  TimelineCountOp compare = TimelineCountOp::kAtLeast;
  std::uint64_t count = 0;
  SegmentTimeframe timeframe;
};

struct SegmentNode;

struct SegmentBranch {
  BranchOp op = BranchOp::kAnd;
  std::vector<SegmentNode> children;  // ≥ 1; exactly 1 for kNot
};

struct SegmentNode {
  std::variant<SegmentBranch, GoalLeaf, TimelineLeaf> node;
};

struct SegmentTree {
  SegmentNode root;
  SegmentTimeZone zone;                  // resolved date-only values; kept for display
  std::size_t node_count = 0;            // branches and leaves
  bool has_relative_timeframes = false;  // some leaf uses in_the_last_days
};

}  // namespace tally::engine
