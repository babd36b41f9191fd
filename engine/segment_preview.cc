#include "engine/segment_preview.h"

#include <algorithm>
#include <iterator>
#include <shared_mutex>
#include <thread>
#include <variant>
#include <vector>

#include "engine/goal_columns.h"
#include "engine/goal_range_aggregates.h"
#include "engine/goal_series_element.h"
#include "engine/segment_column_facts.h"
#include "engine/segment_eval.h"
#include "engine/segment_sample.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

// Rows whose series (or contact) is prefetched ahead of the one being evaluated: enough to
// cover a memory access with the work of the rows in between.
constexpr std::size_t kPrefetchRows = 8;

// One conjunct of the root: a leaf of the scanned column without a goal_name, or the `not` of
// one (its range resolved once), or any other node, evaluated per row. Every row scanned has
// events of the column's goal type, so the column decides the negated leaf as well.
struct Conjunct {
  const SegmentNode* node = nullptr;
  const GoalLeaf* column_leaf = nullptr;
  bool negated = false;  // the conjunct is `not` column_leaf
  TimeRange range;
  int cost = 0;  // 0: anytime column leaf, 1: other column leaf, 2: other goal leaf, 3: the rest
};

// The goal leaf of `node`, or of its child when it is a `not`, with whether it was negated.
const GoalLeaf* LeafOrNegatedLeaf(const SegmentNode& node, bool* negated) {
  *negated = false;
  const SegmentNode* inner = &node;
  if (const auto* branch = std::get_if<SegmentBranch>(&node.node)) {
    if (branch->op != BranchOp::kNot) return nullptr;
    TALLY_ASSERT(branch->children.size() == 1);
    inner = &branch->children.front();
    *negated = true;
  }
  return std::get_if<GoalLeaf>(&inner->node);
}

struct PreviewPlan {
  const SegmentTree* tree = nullptr;
  TimeUs now = 0;
  std::optional<std::size_t> column;  // the column every match has a row in
  std::vector<Conjunct> conjuncts;    // cheapest first
};

PreviewPlan MakePlan(const SegmentTree& tree, TimeUs now) {
  PreviewPlan plan;
  plan.tree = &tree;
  plan.now = now;
  const std::optional<std::optional<GoalType>> required = RequiredGoalType(tree.root);
  if (!required) return plan;
  plan.column = GoalColumnIndex(*required);
  std::vector<const SegmentNode*> nodes;
  const auto* branch = std::get_if<SegmentBranch>(&tree.root.node);
  if (branch != nullptr && branch->op == BranchOp::kAnd) {
    for (const SegmentNode& child : branch->children) nodes.push_back(&child);
  } else {
    nodes.push_back(&tree.root);
  }
  for (const SegmentNode* node : nodes) {
    Conjunct conjunct;
    conjunct.node = node;
    conjunct.cost = 3;
    bool negated = false;
    if (const GoalLeaf* goal = LeafOrNegatedLeaf(*node, &negated)) {
      conjunct.cost = 2;
      if (goal->goal_name.empty() && GoalColumnIndex(goal->goal_type) == *plan.column) {
        conjunct.column_leaf = goal;
        conjunct.negated = negated;
        conjunct.range = goal->timeframe.Resolve(now);
        conjunct.cost = goal->timeframe.op == TimeframeOp::kAnytime ? 0 : 1;
      }
    }
    plan.conjuncts.push_back(conjunct);
  }
  std::stable_sort(plan.conjuncts.begin(), plan.conjuncts.end(),
                   [](const Conjunct& a, const Conjunct& b) { return a.cost < b.cost; });
  return plan;
}

// Bucket elements a range scan visits in about the time one undecided row's series is read
// (two cache misses and a search, against a few nanoseconds per element): below it the scan is
// cheaper than the series of the undecided rows.
constexpr std::uint64_t kSeriesReadInEvents = 32;
// Rows decided from their aggregates before a range leaf checks how many stay undecided: when
// at least half of them do (S3: 94%), the rest of the rows skip that step and go straight to
// the scan, since deciding a row from its aggregates costs about as much as from its cell.
constexpr std::size_t kSampleRows = 64;

// Per-thread scratch, reused from stripe to stripe.
struct ScanBuffers {
  std::vector<std::uint32_t> rows;
  std::vector<std::uint32_t> pending;
  GoalRangeAggregates range;
};

// Appends to `kept` the candidate rows whose contact matches a column leaf (or its negation),
// from one pass over the events in the leaf's range (engine/goal_range_aggregates.h).
void FilterByRangeScan(const Conjunct& conjunct, const GoalColumns& columns, std::size_t column,
                       const std::vector<std::uint32_t>& candidates, GoalRangeAggregates& range,
                       std::vector<std::uint32_t>& kept) {
  const GoalLeaf& leaf = *conjunct.column_leaf;
  range.Compute(columns, column, leaf.aggregate, conjunct.range);
  range.Filter(leaf, conjunct.negated, candidates, kept);
}

// Appends to `kept` the candidate rows whose contact matches a column leaf (or its negation),
// from each contact's series. Two cache misses per series (the series object in the contact's
// slots, then its storage), each started a few rows ahead of its use.
void FilterBySeries(const Conjunct& conjunct, const GoalColumn& column,
                    const std::vector<std::uint32_t>& candidates,
                    std::vector<std::uint32_t>& kept) {
  const GoalLeaf& leaf = *conjunct.column_leaf;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (i + 2 * kPrefetchRows < candidates.size()) {
      __builtin_prefetch(column.refs[candidates[i + 2 * kPrefetchRows]].series);
    }
    if (i + kPrefetchRows < candidates.size()) {
      column.refs[candidates[i + kPrefetchRows]].series->Prefetch();
    }
    const GoalSeries* series = column.refs[candidates[i]].series;
    if (GoalLeafMatches(leaf, series->Aggregate(leaf.aggregate, conjunct.range)) !=
        conjunct.negated) {
      kept.push_back(candidates[i]);
    }
  }
}

// Keeps the rows whose contact matches a column leaf (or its negation): decided by the row
// where it can, and the rows left by one scan of the events in range when that costs less than
// reading their series, else by their series. When most rows of a sample stay undecided, the
// others go to the scan at once.
void FilterByColumnLeaf(const Conjunct& conjunct, const GoalColumns& columns,
                        std::size_t column_index, ScanBuffers& buffers) {
  const GoalLeaf& leaf = *conjunct.column_leaf;
  const GoalColumn& column = columns.columns[column_index];
  std::vector<std::uint32_t>& rows = buffers.rows;
  std::vector<std::uint32_t>& pending = buffers.pending;
  pending.clear();
  const ClosedTimeBounds bounds = ToClosedBounds(conjunct.range);
  // Counted only when a scan is considered: an anytime leaf or a sliding window that the rows
  // decide never needs it.
  auto scan_size = [&] { return GoalRangeAggregates::ScanSize(columns, column_index, bounds); };
  std::size_t kept = 0;
  std::size_t i = 0;
  for (; i < rows.size(); ++i) {
    if (i == kSampleRows && pending.size() * 2 >= kSampleRows &&
        scan_size() < (rows.size() / 2) * kSeriesReadInEvents) {
      pending.insert(pending.end(), rows.begin() + static_cast<std::ptrdiff_t>(i), rows.end());
      break;
    }
    const std::uint32_t row = rows[i];
    const std::optional<bool> decided = DecideGoalLeafFromRow(leaf, column, row, conjunct.range);
    if (!decided) {
      pending.push_back(row);
    } else if (*decided != conjunct.negated) {
      rows[kept++] = row;
    }
  }
  rows.resize(kept);
  if (pending.empty()) return;
  if (scan_size() < pending.size() * kSeriesReadInEvents) {
    FilterByRangeScan(conjunct, columns, column_index, pending, buffers.range, rows);
    return;
  }
  FilterBySeries(conjunct, column, pending, rows);
}

// The same for the first conjunct, over every live row of the column, which are not listed
// yet: when a sample of the first rows sends them to the scan and the leaf is not negated, the
// scan's cells decide every row at once (a row without an event in range has an empty cell),
// so the rows are never read; otherwise the live rows are listed and filtered as above.
void FilterEveryRowByColumnLeaf(const Conjunct& conjunct, const GoalColumns& columns,
                                std::size_t column_index, ScanBuffers& buffers) {
  const GoalLeaf& leaf = *conjunct.column_leaf;
  const GoalColumn& column = columns.columns[column_index];
  std::vector<std::uint32_t>& rows = buffers.rows;
  rows.clear();
  const std::size_t live_rows = column.size() - column.free_rows.size();
  if (!conjunct.negated && live_rows > kSampleRows) {
    std::size_t sampled = 0;
    std::size_t undecided = 0;
    for (std::uint32_t row = 0; row < column.size() && sampled < kSampleRows; ++row) {
      if (column.rows[row].count == 0) continue;
      ++sampled;
      if (!DecideGoalLeafFromRow(leaf, column, row, conjunct.range)) ++undecided;
    }
    if (undecided * 2 >= kSampleRows &&
        GoalRangeAggregates::ScanSize(columns, column_index, ToClosedBounds(conjunct.range)) <
            (live_rows / 2) * kSeriesReadInEvents) {
      buffers.range.Compute(columns, column_index, leaf.aggregate, conjunct.range);
      buffers.range.FilterAll(leaf, rows);
      return;
    }
  }
  for (std::uint32_t row = 0; row < column.size(); ++row) {
    if (column.rows[row].count != 0) rows.push_back(row);
  }
  FilterByColumnLeaf(conjunct, columns, column_index, buffers);
}

// Keeps the rows whose contact matches any node, evaluated per contact.
void FilterByNode(const PreviewPlan& plan, const Conjunct& conjunct, const GoalColumns& columns,
                  const StringInterner& interner, std::vector<std::uint32_t>& rows) {
  const GoalColumn& column = columns.columns[*plan.column];
  std::size_t kept = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i + kPrefetchRows < rows.size()) {
      __builtin_prefetch(column.refs[rows[i + kPrefetchRows]].contact);
    }
    const std::uint32_t row = rows[i];
    const SegmentColumnFacts facts(columns, *column.refs[row].contact, interner, *plan.column, row);
    if (EvaluateSegmentNode(*conjunct.node, facts, plan.now)) rows[kept++] = row;
  }
  rows.resize(kept);
}

void ScanColumn(const Stripe& stripe, const PreviewPlan& plan, const StringInterner& interner,
                ScanBuffers& buffers, SegmentPreview& out, SegmentSample& sample) {
  const GoalColumns& columns = stripe.goal_columns;
  const GoalColumn& column = columns.columns[*plan.column];
  std::vector<std::uint32_t>& rows = buffers.rows;
  rows.clear();
  auto next = plan.conjuncts.begin();
  if (next->cost == 0) {
    // An anytime leaf is decided by every row: it filters the column in one sequential pass.
    for (std::uint32_t row = 0; row < column.size(); ++row) {
      if (column.rows[row].count == 0) continue;
      const std::optional<bool> decided =
          DecideGoalLeafFromRow(*next->column_leaf, column, row, next->range);
      TALLY_ASSERT(decided.has_value());
      if (*decided != next->negated) rows.push_back(row);
    }
    ++next;
  } else if (next->column_leaf != nullptr) {
    FilterEveryRowByColumnLeaf(*next, columns, *plan.column, buffers);
    ++next;
  } else {
    for (std::uint32_t row = 0; row < column.size(); ++row) {
      if (column.rows[row].count != 0) rows.push_back(row);
    }
  }
  for (; next != plan.conjuncts.end() && !rows.empty(); ++next) {
    if (next->column_leaf != nullptr) {
      FilterByColumnLeaf(*next, columns, *plan.column, buffers);
    } else {
      FilterByNode(plan, *next, columns, interner, rows);
    }
  }
  // A contact with a row has a live event, so it exists (D7).
  out.total_count += rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // The kept rows are scattered over the references: each is a cache miss, started early.
    // The contact (its email) is read only for the few rows the sample may keep.
    if (i + 2 * kPrefetchRows < rows.size()) {
      __builtin_prefetch(&column.refs[rows[i + 2 * kPrefetchRows]]);
    }
    const GoalRowRefs& refs = column.refs[rows[i]];
    if (sample.MayKeep(refs.email_prefix)) sample.Offer(refs.email_prefix, refs.contact->first);
  }
}

void ScanContacts(const Stripe& stripe, const PreviewPlan& plan, const StringInterner& interner,
                  SegmentPreview& out, SegmentSample& sample) {
  for (const auto& entry : stripe.contacts) {
    if (!entry.second.exists) continue;
    const SegmentColumnFacts facts(stripe.goal_columns, entry, interner);
    if (!EvaluateSegment(*plan.tree, facts, plan.now)) continue;
    ++out.total_count;
    sample.Offer(EmailPrefix(entry.first), entry.first);
  }
}

SegmentPreview PreviewStripes(const Workspace& ws, const StringInterner& interner,
                              const PreviewPlan& plan, std::size_t sample_limit, unsigned first,
                              unsigned step) {
  SegmentPreview out;
  SegmentSample sample(sample_limit);
  ScanBuffers buffers;
  for (unsigned s = first; s < kStripeCount; s += step) {
    const Stripe& stripe = ws.stripes[s];
    std::shared_lock lock(stripe.mu);
    if (plan.column) {
      ScanColumn(stripe, plan, interner, buffers, out, sample);
    } else {
      ScanContacts(stripe, plan, interner, out, sample);
    }
    // The kept emails refer to this stripe's contacts, which may change once it is released.
    sample.Own();
  }
  out.emails = sample.TakeSorted();
  return out;
}

}  // namespace

std::optional<std::optional<GoalType>> RequiredGoalType(const SegmentNode& node) {
  if (const auto* goal = std::get_if<GoalLeaf>(&node.node)) return goal->goal_type;
  const auto* branch = std::get_if<SegmentBranch>(&node.node);
  if (branch == nullptr || branch->op != BranchOp::kAnd) return std::nullopt;
  for (const SegmentNode& child : branch->children) {
    if (auto required = RequiredGoalType(child)) return required;
  }
  return std::nullopt;
}

SegmentPreview PreviewSegment(const Workspace& ws, const StringInterner& interner,
                              const SegmentTree& tree, TimeUs now, std::size_t sample_limit) {
  std::uint64_t contacts = 0;
  for (const Stripe& stripe : ws.stripes) {
    contacts += stripe.contacts_count.load(std::memory_order_relaxed);
  }
  const PreviewPlan plan = MakePlan(tree, now);
  const unsigned threads = contacts >= kPreviewParallelContactsMin ? kPreviewThreadsMax : 1;
  std::vector<SegmentPreview> parts(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) {
    workers.emplace_back(
        [&, t] { parts[t] = PreviewStripes(ws, interner, plan, sample_limit, t, threads); });
  }
  parts[0] = PreviewStripes(ws, interner, plan, sample_limit, 0, threads);
  for (std::thread& worker : workers) worker.join();
  SegmentPreview out;
  for (SegmentPreview& part : parts) {
    out.total_count += part.total_count;
    std::move(part.emails.begin(), part.emails.end(), std::back_inserter(out.emails));
  }
  std::sort(out.emails.begin(), out.emails.end());
  if (out.emails.size() > sample_limit) out.emails.resize(sample_limit);
  return out;
}

}  // namespace tally::engine
