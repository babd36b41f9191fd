#include "engine/segment_tree_parser.h"

#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "engine/goal_type.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

namespace json = boost::json;

// Three JSON levels per tree level (node, branch, leaves), and a leaf needs four more.
constexpr std::size_t kJsonDepthMax = 3 * kSegmentTreeDepthMax + 4;

Status Invalid(std::string message) {
  return Status::InvalidArgument(message);
}

// A JSON field read with Go's rules: absent and null are the zero value.
const json::value* Field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

Result<std::string> StringField(const json::object& object, std::string_view key,
                                std::string_view owner) {
  const json::value* v = Field(object, key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) {
    return Invalid(std::string(owner) + " '" + std::string(key) + "' must be a string");
  }
  return std::string(v->get_string());
}

Result<double> NumberField(const json::object& object, std::string_view key,
                           std::string_view owner) {
  const json::value* v = Field(object, key);
  if (v == nullptr) return 0.0;
  if (!v->is_number()) {
    return Invalid(std::string(owner) + " '" + std::string(key) + "' must be a number");
  }
  return v->to_number<double>();
}

Result<std::vector<std::string>> StringsField(const json::object& object, std::string_view key,
                                              std::string_view owner) {
  std::vector<std::string> out;
  const json::value* v = Field(object, key);
  if (v == nullptr) return out;
  const Status bad =
      Invalid(std::string(owner) + " '" + std::string(key) + "' must be an array of strings");
  if (!v->is_array()) return bad;
  for (const json::value& element : v->get_array()) {
    if (!element.is_string()) return bad;
    out.emplace_back(element.get_string());
  }
  return out;
}

struct ParseState {
  const SegmentTimeZone& zone;
  std::size_t nodes = 0;
  bool relative = false;
};

Result<SegmentTimeframe> ParseLeafTimeframe(const json::object& object, std::string_view op,
                                            std::string_view owner, ParseState& state) {
  TALLY_ASSIGN_OR_RETURN(std::vector<std::string> values,
                         StringsField(object, "timeframe_values", owner));
  TALLY_ASSIGN_OR_RETURN(SegmentTimeframe timeframe, ParseSegmentTimeframe(op, values, state.zone));
  if (timeframe.op == TimeframeOp::kInTheLastDays) state.relative = true;
  return timeframe;
}

std::optional<AggregateOp> ParseAggregate(std::string_view s) {
  if (s == "sum") return AggregateOp::kSum;
  if (s == "count") return AggregateOp::kCount;
  if (s == "avg") return AggregateOp::kAvg;
  if (s == "min") return AggregateOp::kMin;
  if (s == "max") return AggregateOp::kMax;
  return std::nullopt;
}

std::optional<GoalCompareOp> ParseCompare(std::string_view s) {
  if (s == "gte") return GoalCompareOp::kGte;
  if (s == "lte") return GoalCompareOp::kLte;
  if (s == "eq") return GoalCompareOp::kEq;
  if (s == "between") return GoalCompareOp::kBetween;
  return std::nullopt;
}

std::optional<TimelineCountOp> ParseCountOp(std::string_view s) {
  if (s == "at_least") return TimelineCountOp::kAtLeast;
  if (s == "at_most") return TimelineCountOp::kAtMost;
  if (s == "exactly") return TimelineCountOp::kExactly;
  return std::nullopt;
}

// Notifuse's CustomEventsGoalCondition.Validate order, then the timeframe values (checked by
// Notifuse while building SQL), then tally's own rules.
Result<GoalLeaf> ParseGoalLeaf(const json::object& object, ParseState& state) {
  constexpr std::string_view kOwner = "custom_events_goal";
  TALLY_ASSIGN_OR_RETURN(std::string goal_type, StringField(object, "goal_type", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string goal_name, StringField(object, "goal_name", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string aggregate, StringField(object, "aggregate_operator", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string compare, StringField(object, "operator", kOwner));
  TALLY_ASSIGN_OR_RETURN(double value, NumberField(object, "value", kOwner));
  TALLY_ASSIGN_OR_RETURN(double value_2, NumberField(object, "value_2", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string timeframe_op,
                         StringField(object, "timeframe_operator", kOwner));

  GoalLeaf leaf;
  if (goal_type.empty()) return Invalid("custom_events_goal condition must have 'goal_type'");
  if (goal_type != "*") {
    leaf.goal_type = ParseGoalType(goal_type);
    if (!leaf.goal_type) {
      return Invalid("invalid goal_type: " + goal_type +
                     " (must be one of: purchase, subscription, lead, signup, booking, trial, "
                     "other, or '*')");
    }
  }
  const std::optional<AggregateOp> aggregate_op = ParseAggregate(aggregate);
  if (!aggregate_op) {
    return Invalid("invalid aggregate_operator: " + aggregate +
                   " (must be 'sum', 'count', 'avg', 'min', or 'max')");
  }
  leaf.aggregate = *aggregate_op;
  const std::optional<GoalCompareOp> compare_op = ParseCompare(compare);
  if (!compare_op) {
    return Invalid("invalid operator: " + compare + " (must be 'gte', 'lte', 'eq', or 'between')");
  }
  leaf.compare = *compare_op;
  const bool between = leaf.compare == GoalCompareOp::kBetween;
  if (between && Field(object, "value_2") == nullptr) {
    return Invalid("between operator requires 'value_2'");
  }
  TALLY_ASSIGN_OR_RETURN(leaf.timeframe, ParseLeafTimeframe(object, timeframe_op, kOwner, state));
  TALLY_ASSIGN_OR_RETURN(leaf.value, SegmentValue::FromDouble(value, "value"));
  if (between) {
    TALLY_ASSIGN_OR_RETURN(leaf.value_2, SegmentValue::FromDouble(value_2, "value_2"));
    // Notifuse let BETWEEN 100 AND 50 silently match nothing (D16).
    if (leaf.value.value() > leaf.value_2.value()) {
      return Invalid("between requires value to be less than or equal to value_2");
    }
  }
  if (goal_name.size() > kSegmentGoalNameBytesMax) {
    return Invalid("goal_name must be 100 characters or less");
  }
  leaf.goal_name = std::move(goal_name);
  return leaf;
}

Result<std::uint64_t> CountValue(const json::object& object) {
  const json::value* v = Field(object, "count_value");
  if (v == nullptr) return std::uint64_t{0};
  if (v->is_int64() && v->get_int64() < 0) return Invalid("count_value must be non-negative");
  if (!v->is_int64() && !v->is_uint64()) {
    return Invalid("contact_timeline 'count_value' must be a whole number");
  }
  const std::uint64_t count = v->to_number<std::uint64_t>();
  if (count > kTimelineCountValueMax) {
    return Invalid("count_value must be " + std::to_string(kTimelineCountValueMax) + " or less");
  }
  return count;
}

Result<TimelineLeaf> ParseTimelineLeaf(const json::object& object, ParseState& state) {
  constexpr std::string_view kOwner = "contact_timeline";
  TALLY_ASSIGN_OR_RETURN(std::string kind, StringField(object, "kind", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string count_op, StringField(object, "count_operator", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string timeframe_op,
                         StringField(object, "timeframe_operator", kOwner));
  TALLY_ASSIGN_OR_RETURN(std::string template_id, StringField(object, "template_id", kOwner));

  TimelineLeaf leaf;
  if (kind.empty()) return Invalid("contact_timeline condition must have 'kind'");
  if (kind.size() > kTimelineKindBytesMax) return Invalid("kind must be 113 characters or less");
  if (kind.starts_with("segment.")) {
    // Membership transitions write these entries, so counting them would make a segment's
    // membership depend on the order in which segments are evaluated.
    return Invalid("contact_timeline kind " + kind + " cannot be used in a segment");
  }
  const std::optional<TimelineCountOp> compare = ParseCountOp(count_op);
  if (!compare) {
    return Invalid("invalid count_operator: " + count_op +
                   " (must be 'at_least', 'at_most', or 'exactly')");
  }
  leaf.compare = *compare;
  TALLY_ASSIGN_OR_RETURN(leaf.count, CountValue(object));
  // An absent timeframe means all of the contact's history.
  TALLY_ASSIGN_OR_RETURN(
      leaf.timeframe,
      ParseLeafTimeframe(object, timeframe_op.empty() ? "anytime" : timeframe_op, kOwner, state));
  // Notifuse's template_id refers to message history and its filters to a column that does not
  // exist (reference §9.21); neither has a meaning for the entries tally keeps.
  if (!template_id.empty()) return Invalid("contact_timeline template_id is not supported");
  const json::value* filters = Field(object, "filters");
  if (filters != nullptr && !(filters->is_array() && filters->get_array().empty())) {
    return Invalid("contact_timeline filters are not supported");
  }
  leaf.kind = std::move(kind);
  return leaf;
}

Result<SegmentNode> ParseLeaf(const json::object& leaf, ParseState& state) {
  TALLY_ASSIGN_OR_RETURN(std::string source, StringField(leaf, "source", "leaf"));
  if (source.empty()) return Invalid("leaf must have 'source' field");
  if (source == "custom_events_goals") {
    const json::value* goal = Field(leaf, "custom_events_goal");
    if (goal == nullptr) {
      return Invalid("leaf with source 'custom_events_goals' must have 'custom_events_goal' field");
    }
    if (!goal->is_object()) return Invalid("leaf 'custom_events_goal' must be an object");
    TALLY_ASSIGN_OR_RETURN(GoalLeaf parsed, ParseGoalLeaf(goal->get_object(), state));
    return SegmentNode{std::move(parsed)};
  }
  if (source == "contact_timeline") {
    const json::value* timeline = Field(leaf, "contact_timeline");
    if (timeline == nullptr) {
      return Invalid("leaf with source 'contact_timeline' must have 'contact_timeline' field");
    }
    if (!timeline->is_object()) return Invalid("leaf 'contact_timeline' must be an object");
    TALLY_ASSIGN_OR_RETURN(TimelineLeaf parsed, ParseTimelineLeaf(timeline->get_object(), state));
    return SegmentNode{std::move(parsed)};
  }
  if (source == "contacts" || source == "contact_lists") {
    return Invalid("unsupported source: " + source);
  }
  return Invalid("invalid source: " + source +
                 " (must be 'contacts', 'contact_lists', 'contact_timeline', or "
                 "'custom_events_goals')");
}

Result<SegmentNode> ParseNode(const json::value& value, std::size_t depth, ParseState& state);

Result<SegmentNode> ParseBranch(const json::object& branch, std::size_t depth, ParseState& state) {
  TALLY_ASSIGN_OR_RETURN(std::string op, StringField(branch, "operator", "branch"));
  SegmentBranch out;
  if (op == "and") {
    out.op = BranchOp::kAnd;
  } else if (op == "or") {
    out.op = BranchOp::kOr;
  } else if (op == "not") {
    out.op = BranchOp::kNot;
  } else {
    return Invalid("invalid branch operator: " + op + " (must be 'and', 'or', or 'not')");
  }
  const json::value* leaves = Field(branch, "leaves");
  if (leaves != nullptr && !leaves->is_array()) return Invalid("branch 'leaves' must be an array");
  const std::size_t count = leaves == nullptr ? 0 : leaves->get_array().size();
  if (count == 0) return Invalid("branch must have at least one leaf");
  if (out.op == BranchOp::kNot && count != 1) {
    return Invalid("'not' branch must have exactly one leaf");
  }
  out.children.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const json::value& child = leaves->get_array()[i];
    if (child.is_null()) return Invalid("branch leaf " + std::to_string(i) + " is nil");
    Result<SegmentNode> node = ParseNode(child, depth + 1, state);
    if (!node.ok()) {
      return node.status().WithContext("branch leaf " + std::to_string(i));
    }
    out.children.push_back(std::move(node).value());
  }
  return SegmentNode{std::move(out)};
}

Result<SegmentNode> ParseNode(const json::value& value, std::size_t depth, ParseState& state) {
  if (depth > kSegmentTreeDepthMax) {
    return Invalid("tree is nested deeper than " + std::to_string(kSegmentTreeDepthMax) +
                   " levels");
  }
  if (++state.nodes > kSegmentTreeNodesMax) {
    return Invalid("tree has more than " + std::to_string(kSegmentTreeNodesMax) + " nodes");
  }
  if (!value.is_object()) return Invalid("tree node must be an object");
  const json::object& node = value.get_object();
  TALLY_ASSIGN_OR_RETURN(std::string kind, StringField(node, "kind", "tree node"));
  if (kind.empty()) return Invalid("tree node must have 'kind' field");
  if (kind == "branch") {
    const json::value* branch = Field(node, "branch");
    if (branch == nullptr) return Invalid("branch node must have 'branch' field");
    if (!branch->is_object()) return Invalid("tree node 'branch' must be an object");
    return ParseBranch(branch->get_object(), depth, state);
  }
  if (kind == "leaf") {
    const json::value* leaf = Field(node, "leaf");
    if (leaf == nullptr) return Invalid("leaf node must have 'leaf' field");
    if (!leaf->is_object()) return Invalid("tree node 'leaf' must be an object");
    return ParseLeaf(leaf->get_object(), state);
  }
  return Invalid("invalid tree node kind: " + kind + " (must be 'branch' or 'leaf')");
}

}  // namespace

Result<SegmentTree> ParseSegmentTree(std::string_view tree_json, std::string_view timezone) {
  if (tree_json.size() > kSegmentTreeJsonBytesMax) {
    return Invalid("tree must be " + std::to_string(kSegmentTreeJsonBytesMax) + " bytes or less");
  }
  TALLY_ASSIGN_OR_RETURN(SegmentTimeZone zone, SegmentTimeZone::Find(timezone));
  json::parse_options options;
  options.max_depth = kJsonDepthMax;
  boost::system::error_code error;
  const json::value root = json::parse(tree_json, error, {}, options);
  if (error == json::error::too_deep) {
    return Invalid("tree is nested deeper than " + std::to_string(kSegmentTreeDepthMax) +
                   " levels");
  }
  if (error) return Invalid("tree is not valid JSON: " + error.message());
  if (root.is_null()) return Invalid("tree is required");
  ParseState state{zone};
  TALLY_ASSIGN_OR_RETURN(SegmentNode node, ParseNode(root, 1, state));
  return SegmentTree{std::move(node), zone, state.nodes, state.relative};
}

}  // namespace tally::engine
