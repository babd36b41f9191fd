#include "engine/goal_series_tree.h"

#include <algorithm>
#include <cstring>

#include "engine/goal_series_flat.h"
#include "log/assert.h"

namespace tally::engine {

struct GoalSeriesTree::Node {
  std::uint32_t size = 0;
};

namespace {

using Node = GoalSeriesTree::Node;

// A leaf of 64 elements is 1 KiB: a binary search plus a scan of a few dozen elements at
// each end of a range, while a million elements need only ~4 levels of 32-way inner nodes.
constexpr std::uint32_t kLeafMax = 64;
constexpr std::uint32_t kInnerMax = 32;
// Nodes below a quarter full are merged with or refilled from a sibling. A lower bound than
// the textbook half keeps alternating inserts and erases at one spot from splitting and
// merging the same node every time.
constexpr std::uint32_t kLeafMin = kLeafMax / 4;
constexpr std::uint32_t kInnerMin = kInnerMax / 4;

struct Leaf : Node {
  GoalElement items[kLeafMax];
};

// An inner node describes each child by its first key, last occurred_at and summary. The
// fields are stored column by column so that a query reads only the columns it needs, a few
// cache lines per node, instead of every child's whole description.
struct Inner : Node {
  TimeUs first_time[kInnerMax];
  std::int64_t first_cents[kInnerMax];
  TimeUs last_time[kInnerMax];
  std::uint64_t count[kInnerMax];
  std::uint64_t valued[kInnerMax];
  Int128 sum[kInnerMax];
  std::int64_t min[kInnerMax];
  std::int64_t max[kInnerMax];
  Node* child[kInnerMax];
};

// One child's description, as a value, on its way into or out of an Inner's columns.
struct ChildEntry {
  TimeUs first_time = 0;
  std::int64_t first_cents = kNoCents;
  TimeUs last_time = 0;
  GoalSummary summary;
  Node* child = nullptr;
};

Leaf* AsLeaf(Node* node) {
  return static_cast<Leaf*>(node);
}
const Leaf* AsLeaf(const Node* node) {
  return static_cast<const Leaf*>(node);
}
Inner* AsInner(Node* node) {
  return static_cast<Inner*>(node);
}
const Inner* AsInner(const Node* node) {
  return static_cast<const Inner*>(node);
}

std::span<const GoalElement> LeafElements(const Leaf* leaf) {
  return {leaf->items, leaf->size};
}

std::uint32_t Capacity(const Leaf*) {
  return kLeafMax;
}
std::uint32_t Capacity(const Inner*) {
  return kInnerMax;
}
std::uint32_t MinSize(int height) {
  return height == 0 ? kLeafMin : kInnerMin;
}

// Calls f(dst_column, src_column) for every column of two inner nodes.
template <typename F>
void ForEachColumn(Inner* dst, const Inner* src, F&& f) {
  f(dst->first_time, src->first_time);
  f(dst->first_cents, src->first_cents);
  f(dst->last_time, src->last_time);
  f(dst->count, src->count);
  f(dst->valued, src->valued);
  f(dst->sum, src->sum);
  f(dst->min, src->min);
  f(dst->max, src->max);
  f(dst->child, src->child);
}

// memmove semantics: the ranges may overlap (shifts within one node).
void MoveItems(Leaf* dst, std::uint32_t dst_pos, const Leaf* src, std::uint32_t src_pos,
               std::uint32_t n) {
  std::memmove(dst->items + dst_pos, src->items + src_pos, n * sizeof(GoalElement));
}
void MoveItems(Inner* dst, std::uint32_t dst_pos, const Inner* src, std::uint32_t src_pos,
               std::uint32_t n) {
  ForEachColumn(dst, src, [&](auto* dst_column, const auto* src_column) {
    std::memmove(dst_column + dst_pos, src_column + src_pos, n * sizeof(dst_column[0]));
  });
}

void SetItem(Leaf* leaf, std::uint32_t i, const GoalElement& element) {
  leaf->items[i] = element;
}
void SetItem(Inner* inner, std::uint32_t i, const ChildEntry& entry) {
  inner->first_time[i] = entry.first_time;
  inner->first_cents[i] = entry.first_cents;
  inner->last_time[i] = entry.last_time;
  inner->count[i] = entry.summary.count;
  inner->valued[i] = entry.summary.valued;
  inner->sum[i] = entry.summary.sum;
  inner->min[i] = entry.summary.min;
  inner->max[i] = entry.summary.max;
  inner->child[i] = entry.child;
}

// Adds the summaries of children [begin, end) of `inner`; with kCountOnly only the counts.
void AddChildren(const Inner* inner, std::uint32_t begin, std::uint32_t end, SummaryFields fields,
                 GoalSummary& out) {
  for (std::uint32_t i = begin; i < end; ++i) out.count += inner->count[i];
  if (fields == SummaryFields::kCountOnly) return;
  for (std::uint32_t i = begin; i < end; ++i) out.valued += inner->valued[i];
  for (std::uint32_t i = begin; i < end; ++i) out.sum += inner->sum[i];
  for (std::uint32_t i = begin; i < end; ++i) out.min = std::min(out.min, inner->min[i]);
  for (std::uint32_t i = begin; i < end; ++i) out.max = std::max(out.max, inner->max[i]);
}

// The parent's entry for a non-empty node, computed from the node's contents.
ChildEntry MakeEntry(Node* node, int height) {
  TALLY_ASSERT(node->size > 0);
  ChildEntry entry;
  entry.child = node;
  if (height == 0) {
    const Leaf* leaf = AsLeaf(node);
    entry.first_time = leaf->items[0].occurred_at;
    entry.first_cents = leaf->items[0].cents;
    entry.last_time = leaf->items[leaf->size - 1].occurred_at;
    for (std::uint32_t i = 0; i < leaf->size; ++i) entry.summary.Add(leaf->items[i]);
  } else {
    const Inner* inner = AsInner(node);
    entry.first_time = inner->first_time[0];
    entry.first_cents = inner->first_cents[0];
    entry.last_time = inner->last_time[inner->size - 1];
    AddChildren(inner, 0, inner->size, SummaryFields::kAll, entry.summary);
  }
  return entry;
}

// Folds a newly inserted element of child i into its entry.
void AddToEntry(Inner* inner, std::uint32_t i, const GoalElement& element) {
  ++inner->count[i];
  if (element.HasValue()) {
    ++inner->valued[i];
    inner->sum[i] += element.cents;
    inner->min[i] = std::min(inner->min[i], element.cents);
    inner->max[i] = std::max(inner->max[i], element.cents);
  }
  if (KeyLess(element.occurred_at, element.cents, inner->first_time[i], inner->first_cents[i])) {
    inner->first_time[i] = element.occurred_at;
    inner->first_cents[i] = element.cents;
  }
  inner->last_time[i] = std::max(inner->last_time[i], element.occurred_at);
}

// Takes an erased element of child i out of its entry's count and sum. Returns false when
// the element may have been the child's min, max, first key or last time; the caller then
// recomputes the entry from the child.
bool RemoveFromEntry(Inner* inner, std::uint32_t i, const GoalElement& element) {
  TALLY_ASSERT(inner->count[i] > 0);
  --inner->count[i];
  if (element.HasValue()) {
    --inner->valued[i];
    inner->sum[i] -= element.cents;
    if (element.cents == inner->min[i] || element.cents == inner->max[i]) return false;
  }
  return !(element.occurred_at == inner->first_time[i] && element.cents == inner->first_cents[i]) &&
         element.occurred_at != inner->last_time[i];
}

// The first index in [begin, end) for which pred is false (pred must be true then false).
template <typename Pred>
std::uint32_t PartitionIndex(std::uint32_t begin, std::uint32_t end, Pred pred) {
  while (begin < end) {
    const std::uint32_t mid = begin + (end - begin) / 2;
    if (pred(mid)) {
      begin = mid + 1;
    } else {
      end = mid;
    }
  }
  return begin;
}

// The child whose key range holds (time, cents): the last child whose first key is <= it, or
// the first child when the key precedes them all. Equal keys may span several children; the
// last of them starts with the key, so an element equal to it is always found there.
std::uint32_t RouteIndex(const Inner* inner, TimeUs time, std::int64_t cents) {
  const std::uint32_t after = PartitionIndex(0, inner->size, [&](std::uint32_t i) {
    return !KeyLess(time, cents, inner->first_time[i], inner->first_cents[i]);
  });
  return after == 0 ? 0 : after - 1;
}

template <typename N>
N* NewNode(std::size_t& count) {
  ++count;
  return new N();
}

// Inserts `item` at `pos` of a node that has room for it.
template <typename N, typename Item>
void ShiftInsert(N* node, std::uint32_t pos, const Item& item) {
  TALLY_ASSERT(pos <= node->size && node->size < Capacity(node));
  MoveItems(node, pos + 1, node, pos, node->size - pos);
  SetItem(node, pos, item);
  ++node->size;
}

// Inserts `item` at `pos` of a node. A full node splits and the new right sibling is returned
// (nullptr otherwise). A leaf that overflows at its very end stays full and its sibling starts
// with the new element alone, so series appended in time order fill their leaves. Inner nodes
// always split in half so that every inner node but the root keeps at least two children,
// which Rebalance relies on.
template <typename N, typename Item>
N* InsertItem(N* node, std::uint32_t pos, const Item& item, bool append_split, std::size_t& count) {
  if (node->size < Capacity(node)) {
    ShiftInsert(node, pos, item);
    return nullptr;
  }
  N* right = NewNode<N>(count);
  if (append_split && pos == node->size) {
    ShiftInsert(right, 0, item);
    return right;
  }
  const std::uint32_t half = node->size / 2;
  MoveItems(right, 0, node, half, node->size - half);
  right->size = node->size - half;
  node->size = half;
  if (pos <= half) {
    ShiftInsert(node, pos, item);
  } else {
    ShiftInsert(right, pos - half, item);
  }
  return right;
}

template <typename N>
void EraseItem(N* node, std::uint32_t pos) {
  TALLY_ASSERT(pos < node->size);
  MoveItems(node, pos, node, pos + 1, node->size - pos - 1);
  --node->size;
}

// Moves all of `right` onto the end of `left`, or evens out their sizes when they do not fit
// in one node. Returns true when they merged (right is then empty).
template <typename N>
bool MergeOrBalance(N* left, N* right) {
  const std::uint32_t total = left->size + right->size;
  if (total <= Capacity(left)) {
    MoveItems(left, left->size, right, 0, right->size);
    left->size = total;
    right->size = 0;
    return true;
  }
  const std::uint32_t left_target = total / 2;
  if (left->size > left_target) {
    const std::uint32_t moved = left->size - left_target;
    MoveItems(right, moved, right, 0, right->size);
    MoveItems(right, 0, left, left_target, moved);
  } else {
    const std::uint32_t moved = left_target - left->size;
    MoveItems(left, left->size, right, 0, moved);
    MoveItems(right, 0, right, moved, right->size - moved);
  }
  left->size = left_target;
  right->size = total - left_target;
  return false;
}

void FreeSubtree(Node* node, int height) {
  if (height == 0) {
    delete AsLeaf(node);
    return;
  }
  Inner* inner = AsInner(node);
  for (std::uint32_t i = 0; i < inner->size; ++i) FreeSubtree(inner->child[i], height - 1);
  delete inner;
}

struct NodeCounts {
  std::size_t& leaves;
  std::size_t& inners;
};

// Inserts into the subtree and returns its new right sibling if its root split.
Node* InsertInto(Node* node, int height, const GoalElement& element, NodeCounts counts) {
  if (height == 0) {
    Leaf* leaf = AsLeaf(node);
    const GoalElement* pos = FlatLowerBound(LeafElements(leaf), element.occurred_at, element.cents);
    return InsertItem(leaf, static_cast<std::uint32_t>(pos - leaf->items), element,
                      /*append_split=*/true, counts.leaves);
  }
  Inner* inner = AsInner(node);
  const std::uint32_t i = RouteIndex(inner, element.occurred_at, element.cents);
  Node* child = inner->child[i];
  Node* split = InsertInto(child, height - 1, element, counts);
  if (split == nullptr) {
    AddToEntry(inner, i, element);
    return nullptr;
  }
  SetItem(inner, i, MakeEntry(child, height - 1));
  return InsertItem(inner, i + 1, MakeEntry(split, height - 1), /*append_split=*/false,
                    counts.inners);
}

// Refills or merges the under-full child at index i of `inner` with a neighbour and rewrites
// the entries of what remains.
void Rebalance(Inner* inner, std::uint32_t i, int child_height, NodeCounts counts) {
  TALLY_ASSERT_MSG(inner->size >= 2, "an inner node always has a sibling for each child");
  const std::uint32_t left = i > 0 ? i - 1 : i;
  const std::uint32_t right = left + 1;
  Node* left_node = inner->child[left];
  Node* right_node = inner->child[right];
  const bool merged = child_height == 0 ? MergeOrBalance(AsLeaf(left_node), AsLeaf(right_node))
                                        : MergeOrBalance(AsInner(left_node), AsInner(right_node));
  if (merged) {
    if (child_height == 0) {
      delete AsLeaf(right_node);
      --counts.leaves;
    } else {
      delete AsInner(right_node);
      --counts.inners;
    }
    EraseItem(inner, right);
  } else {
    SetItem(inner, right, MakeEntry(right_node, child_height));
  }
  SetItem(inner, left, MakeEntry(left_node, child_height));
}

// Erases one element with the key from the subtree and returns it.
GoalElement EraseFrom(Node* node, int height, TimeUs time, std::int64_t cents, NodeCounts counts) {
  if (height == 0) {
    Leaf* leaf = AsLeaf(node);
    const GoalElement* pos = FlatLowerBound(LeafElements(leaf), time, cents);
    TALLY_ASSERT_MSG(
        pos != leaf->items + leaf->size && pos->occurred_at == time && pos->cents == cents,
        "GoalSeries: erased key is not present");
    const GoalElement erased = *pos;
    EraseItem(leaf, static_cast<std::uint32_t>(pos - leaf->items));
    return erased;
  }
  Inner* inner = AsInner(node);
  const std::uint32_t i = RouteIndex(inner, time, cents);
  Node* child = inner->child[i];
  const GoalElement erased = EraseFrom(child, height - 1, time, cents, counts);
  if (child->size < MinSize(height - 1)) {
    Rebalance(inner, i, height - 1, counts);
  } else if (!RemoveFromEntry(inner, i, erased)) {
    SetItem(inner, i, MakeEntry(child, height - 1));
  }
  return erased;
}

void QueryNode(const Node* node, int height, ClosedTimeBounds bounds, SummaryFields fields,
               GoalSummary& out) {
  if (height == 0) {
    out.Add(FlatQuery(LeafElements(AsLeaf(node)), bounds, fields));
    return;
  }
  const Inner* inner = AsInner(node);
  // Children [begin, end) overlap the range. Keys are disjoint and ordered across children,
  // so every child strictly between the first and the last lies inside the range; only those
  // two can be cut by it.
  // As in FlatQuery, a side of the node that the range covers needs no search.
  const std::uint32_t last = inner->size - 1;
  const std::uint32_t begin =
      inner->last_time[0] >= bounds.lo ? 0 : PartitionIndex(0, inner->size, [&](std::uint32_t i) {
        return inner->last_time[i] < bounds.lo;
      });
  const std::uint32_t end = inner->first_time[last] <= bounds.hi
                                ? inner->size
                                : PartitionIndex(begin, inner->size, [&](std::uint32_t i) {
                                    return inner->first_time[i] <= bounds.hi;
                                  });
  if (begin == end) return;
  auto add_edge_child = [&](std::uint32_t i) {
    if (inner->first_time[i] >= bounds.lo && inner->last_time[i] <= bounds.hi) {
      AddChildren(inner, i, i + 1, fields, out);
    } else {
      QueryNode(inner->child[i], height - 1, bounds, fields, out);
    }
  };
  add_edge_child(begin);
  if (end - begin == 1) return;
  AddChildren(inner, begin + 1, end - 1, fields, out);
  add_edge_child(end - 1);
}

void CopySubtree(const Node* node, int height, GoalElement*& out) {
  if (height == 0) {
    const Leaf* leaf = AsLeaf(node);
    out = std::copy(leaf->items, leaf->items + leaf->size, out);
    return;
  }
  const Inner* inner = AsInner(node);
  for (std::uint32_t i = 0; i < inner->size; ++i) CopySubtree(inner->child[i], height - 1, out);
}

}  // namespace

GoalSeriesTree::GoalSeriesTree() : root_(new Leaf()) {}

GoalSeriesTree::~GoalSeriesTree() {
  FreeSubtree(root_, height_);
}

void GoalSeriesTree::Insert(const GoalElement& element) {
  NodeCounts counts{leaf_count_, inner_count_};
  Node* split = InsertInto(root_, height_, element, counts);
  if (split != nullptr) {
    Inner* root = NewNode<Inner>(inner_count_);
    SetItem(root, 0, MakeEntry(root_, height_));
    SetItem(root, 1, MakeEntry(split, height_));
    root->size = 2;
    root_ = root;
    ++height_;
  }
  ++size_;
}

void GoalSeriesTree::Erase(TimeUs occurred_at, std::int64_t cents) {
  TALLY_ASSERT_MSG(size_ > 0, "GoalSeries: erased key is not present");
  NodeCounts counts{leaf_count_, inner_count_};
  EraseFrom(root_, height_, occurred_at, cents, counts);
  --size_;
  // A root with one child adds a level and nothing else.
  while (height_ > 0 && root_->size == 1) {
    Inner* old_root = AsInner(root_);
    root_ = old_root->child[0];
    delete old_root;
    --inner_count_;
    --height_;
  }
}

GoalSummary GoalSeriesTree::Query(ClosedTimeBounds bounds, SummaryFields fields) const {
  GoalSummary summary;
  if (!bounds.Empty()) QueryNode(root_, height_, bounds, fields, summary);
  return summary;
}

std::optional<TimeUs> GoalSeriesTree::NextTimeAfter(TimeUs t) const {
  const Node* node = root_;
  for (int height = height_; height > 0; --height) {
    const Inner* inner = AsInner(node);
    // Children are disjoint in key order, so the first whose last time is after t holds the
    // answer.
    const std::uint32_t i =
        PartitionIndex(0, inner->size, [&](std::uint32_t k) { return inner->last_time[k] <= t; });
    if (i == inner->size) return std::nullopt;
    node = inner->child[i];
  }
  const std::optional<TimeUs> next = FlatNextTimeAfter(LeafElements(AsLeaf(node)), t);
  TALLY_ASSERT_MSG(height_ == 0 || next, "the routed leaf ends after t");
  return next;
}

void GoalSeriesTree::CopyInOrder(std::span<GoalElement> out) const {
  TALLY_ASSERT(out.size() == size_);
  GoalElement* cursor = out.data();
  CopySubtree(root_, height_, cursor);
  TALLY_ASSERT(cursor == out.data() + out.size());
}

std::size_t GoalSeriesTree::MemoryBytes() const {
  return sizeof(GoalSeriesTree) + leaf_count_ * sizeof(Leaf) + inner_count_ * sizeof(Inner);
}

}  // namespace tally::engine
