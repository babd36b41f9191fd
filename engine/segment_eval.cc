#include "engine/segment_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

#include "engine/money.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

template <typename Amount>
bool Compare(const GoalLeaf& leaf, Amount amount) {
  switch (leaf.compare) {
    case GoalCompareOp::kGte: return leaf.value.CentsAtLeast(amount);
    case GoalCompareOp::kLte: return leaf.value.CentsAtMost(amount);
    case GoalCompareOp::kEq: return leaf.value.CentsEqual(amount);
    case GoalCompareOp::kBetween:
      return leaf.value.CentsAtLeast(amount) && leaf.value_2.CentsAtMost(amount);
  }
  TALLY_ASSERT_MSG(false, "unhandled goal comparison");
}

// The largest whole number of cents an average's bound may be for the integer comparison
// (GoalLeafIntervalOf).
constexpr std::int64_t kAverageWholeBoundMax = (std::int64_t{1} << 39) - 1;
static_assert(kAverageWholeBoundMax * static_cast<std::int64_t>(kAverageIntegerCountMax) <
              (std::int64_t{1} << 53));

// An average's bound `cents` as a whole number of cents within ±kAverageWholeBoundMax, if it
// is one.
std::optional<std::int64_t> WholeAverageBound(double cents) {
  if (!(std::fabs(cents) <= static_cast<double>(kAverageWholeBoundMax))) return std::nullopt;
  const auto whole = static_cast<std::int64_t>(cents);
  if (static_cast<double>(whole) != cents) return std::nullopt;
  return whole;
}

std::optional<TimeUs> Earlier(std::optional<TimeUs> a, std::optional<TimeUs> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

std::optional<TimeUs> NodeBoundary(const SegmentNode& node, const ContactFacts& facts, TimeUs now) {
  if (const auto* branch = std::get_if<SegmentBranch>(&node.node)) {
    // Every child counts, whatever the others decide now: a child that does not matter at
    // this instant may matter once another one changes.
    std::optional<TimeUs> earliest;
    for (const SegmentNode& child : branch->children) {
      earliest = Earlier(earliest, NodeBoundary(child, facts, now));
    }
    return earliest;
  }
  if (const auto* goal = std::get_if<GoalLeaf>(&node.node)) {
    const TimeUs window = goal->timeframe.window_us();
    if (window == 0) return std::nullopt;
    const std::optional<TimeUs> oldest = facts.NextGoalTimeAfter(*goal, now - window);
    return oldest ? std::optional<TimeUs>(*oldest + window) : std::nullopt;
  }
  const auto& timeline = std::get<TimelineLeaf>(node.node);
  const TimeUs window = timeline.timeframe.window_us();
  if (window == 0) return std::nullopt;
  const std::optional<TimeUs> oldest = facts.NextTimelineTimeAfter(timeline, now - window);
  return oldest ? std::optional<TimeUs>(*oldest + window) : std::nullopt;
}

}  // namespace

bool GoalLeafMatches(const GoalLeaf& leaf, const AggregateValue& aggregate) {
  // Notifuse's EXISTS … GROUP BY … HAVING: no matching event, no match, whatever the operator.
  if (aggregate.matched == 0) return false;
  switch (leaf.aggregate) {
    case AggregateOp::kCount:
      // A count compares as a plain number, so in hundredths it is count × 100.
      return Compare(leaf, static_cast<std::int64_t>(aggregate.matched) * 100);
    case AggregateOp::kSum: return Compare(leaf, aggregate.cents.value_or(0));
    case AggregateOp::kMin:
    case AggregateOp::kMax: return aggregate.cents && Compare(leaf, *aggregate.cents);
    case AggregateOp::kAvg:
      return aggregate.average_cents && Compare(leaf, *aggregate.average_cents);
  }
  TALLY_ASSERT_MSG(false, "unhandled aggregate");
}

// Why the integer comparison of an average is exact. Let S be the sum, n the count
// (1 ≤ n ≤ kAverageIntegerCountMax < 2^14), RN rounding to the nearest double, and
// q = RN(RN(S) / n) the average GoalSeries computes; let C be a whole number of cents with
// |C| ≤ kAverageWholeBoundMax < 2^39. Then q ≥ C ⟺ S ≥ C × n (and, the same way, q ≤ C ⟺
// S ≤ C × n, so eq and between follow):
// - |S| ≤ 2^53: RN(S) = S. If S / n ≥ C, q ≥ RN(C) = C, rounding being monotonic. Otherwise
//   S ≤ C × n − 1, so S / n ≤ C − 1/n < C − 2^−14; doubles below 2^39 in magnitude lie at
//   most 2^−14 apart, so the double just below C is ≥ C − 2^−14 > S / n, and q stays below C.
// - S > 2^53: RN(S) ≥ 2^53, RN(S) / n > 2^39 and q ≥ 2^39 > C; and S > 2^53 > C × n. The
//   case S < −2^53 is the mirror image.
// An open side becomes ∓kGoalValueCentsAbsLimit: every value, hence every average, lies within
// it, and the products stay within 64 bits for the counts the callers compare (≤ 9,223).
GoalLeafInterval GoalLeafIntervalOf(const GoalLeaf& leaf) {
  const SegmentValue* lo = leaf.compare == GoalCompareOp::kLte ? nullptr : &leaf.value;
  const SegmentValue* hi = leaf.compare == GoalCompareOp::kGte       ? nullptr
                           : leaf.compare == GoalCompareOp::kBetween ? &leaf.value_2
                                                                     : &leaf.value;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  GoalLeafInterval out;
  out.lo_cents = lo != nullptr ? lo->CeilCents() : std::numeric_limits<std::int64_t>::min();
  out.hi_cents = hi != nullptr ? hi->FloorCents() : std::numeric_limits<std::int64_t>::max();
  out.lo_average = lo != nullptr ? lo->AverageCents() : -kInfinity;
  out.hi_average = hi != nullptr ? hi->AverageCents() : kInfinity;
  const std::optional<std::int64_t> lo_whole =
      lo != nullptr ? WholeAverageBound(lo->AverageCents()) : -kGoalValueCentsAbsLimit;
  const std::optional<std::int64_t> hi_whole =
      hi != nullptr ? WholeAverageBound(hi->AverageCents()) : kGoalValueCentsAbsLimit;
  out.average_in_integers = lo_whole.has_value() && hi_whole.has_value();
  if (out.average_in_integers) {
    out.lo_average_cents = *lo_whole;
    out.hi_average_cents = *hi_whole;
  }
  return out;
}

bool TimelineLeafMatches(const TimelineLeaf& leaf, std::uint64_t count) {
  switch (leaf.compare) {
    case TimelineCountOp::kAtLeast: return count >= leaf.count;
    case TimelineCountOp::kAtMost: return count <= leaf.count;
    case TimelineCountOp::kExactly: return count == leaf.count;
  }
  TALLY_ASSERT_MSG(false, "unhandled count comparison");
}

bool EvaluateSegmentNode(const SegmentNode& node, const ContactFacts& facts, TimeUs now) {
  if (const auto* branch = std::get_if<SegmentBranch>(&node.node)) {
    TALLY_ASSERT(!branch->children.empty());
    switch (branch->op) {
      case BranchOp::kAnd:
        return std::all_of(
            branch->children.begin(), branch->children.end(),
            [&](const SegmentNode& c) { return EvaluateSegmentNode(c, facts, now); });
      case BranchOp::kOr:
        return std::any_of(
            branch->children.begin(), branch->children.end(),
            [&](const SegmentNode& c) { return EvaluateSegmentNode(c, facts, now); });
      case BranchOp::kNot:
        TALLY_ASSERT(branch->children.size() == 1);
        return !EvaluateSegmentNode(branch->children.front(), facts, now);
    }
    TALLY_ASSERT_MSG(false, "unhandled branch operator");
  }
  if (const auto* goal = std::get_if<GoalLeaf>(&node.node)) {
    const TimeRange range = goal->timeframe.Resolve(now);
    if (const std::optional<bool> decided = facts.DecideGoalLeaf(*goal, range)) return *decided;
    return GoalLeafMatches(*goal, facts.GoalAggregate(*goal, range));
  }
  const auto& timeline = std::get<TimelineLeaf>(node.node);
  return TimelineLeafMatches(timeline,
                             facts.TimelineCount(timeline, timeline.timeframe.Resolve(now)));
}

bool EvaluateSegment(const SegmentTree& tree, const ContactFacts& facts, TimeUs now) {
  return EvaluateSegmentNode(tree.root, facts, now);
}

std::optional<TimeUs> NextSegmentBoundary(const SegmentTree& tree, const ContactFacts& facts,
                                          TimeUs now) {
  const std::optional<TimeUs> boundary = NodeBoundary(tree.root, facts, now);
  TALLY_ASSERT(!boundary || *boundary > now);
  return boundary;
}

}  // namespace tally::engine
