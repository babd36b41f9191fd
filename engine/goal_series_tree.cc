#include "engine/goal_series_tree.h"

#include <algorithm>

#include "engine/goal_series_flat.h"
#include "log/assert.h"

namespace tally::engine {

struct GoalSeriesTree::Node {
  std::uint32_t size = 0;
};

namespace {

using Node = GoalSeriesTree::Node;

// A leaf of 64 elements is 1.5 KiB: a binary search plus a scan of a few dozen elements at
// each end of a range, while a million elements need only ~4 levels of 32-way inner nodes.
constexpr std::uint32_t kLeafMax = 64;
constexpr std::uint32_t kInnerMax = 32;
// Nodes below a quarter full are merged with or refilled from a sibling. A lower bound than
// the textbook half keeps alternating inserts and erases at one spot from splitting and
// merging the same node every time.
constexpr std::uint32_t kLeafMin = kLeafMax / 4;
constexpr std::uint32_t kInnerMin = kInnerMax / 4;

struct ChildEntry {
  TimeUs first_time;
  std::uint64_t first_seq;
  TimeUs last_time;
  GoalSummary summary;
  Node* child;
};

template <typename Item, std::uint32_t kMax>
struct ArrayNode : Node {
  using ItemType = Item;
  static constexpr std::uint32_t kCapacity = kMax;
  Item items[kMax];
};

using Leaf = ArrayNode<GoalElement, kLeafMax>;
using Inner = ArrayNode<ChildEntry, kInnerMax>;

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

std::uint32_t MinSize(int height) {
  return height == 0 ? kLeafMin : kInnerMin;
}

// The parent's entry for a non-empty node.
ChildEntry MakeEntry(Node* node, int height) {
  TALLY_ASSERT(node->size > 0);
  ChildEntry entry{};
  entry.child = node;
  if (height == 0) {
    const Leaf* leaf = AsLeaf(node);
    entry.first_time = leaf->items[0].occurred_at;
    entry.first_seq = leaf->items[0].event_seq;
    entry.last_time = leaf->items[leaf->size - 1].occurred_at;
    for (std::uint32_t i = 0; i < leaf->size; ++i) entry.summary.Add(leaf->items[i]);
  } else {
    const Inner* inner = AsInner(node);
    entry.first_time = inner->items[0].first_time;
    entry.first_seq = inner->items[0].first_seq;
    entry.last_time = inner->items[inner->size - 1].last_time;
    for (std::uint32_t i = 0; i < inner->size; ++i) entry.summary.Add(inner->items[i].summary);
  }
  return entry;
}

// The child whose key range holds (time, seq): the last child whose first key is <= it, or
// the first child when the key precedes them all.
std::uint32_t RouteIndex(const Inner* inner, TimeUs time, std::uint64_t seq) {
  const ChildEntry* begin = inner->items;
  const ChildEntry* end = inner->items + inner->size;
  const ChildEntry* after = std::upper_bound(begin, end, 0, [&](int, const ChildEntry& entry) {
    return KeyLess(time, seq, entry.first_time, entry.first_seq);
  });
  return after == begin ? 0 : static_cast<std::uint32_t>(after - begin - 1);
}

template <typename N>
N* NewNode(std::size_t& count) {
  ++count;
  return new N();
}

// Inserts `item` at `pos` of a node that has room for it.
template <typename N>
void ShiftInsert(N* node, std::uint32_t pos, const typename N::ItemType& item) {
  TALLY_ASSERT(pos <= node->size && node->size < N::kCapacity);
  std::copy_backward(node->items + pos, node->items + node->size, node->items + node->size + 1);
  node->items[pos] = item;
  ++node->size;
}

// Inserts `item` at `pos` of a node. A full node splits and the new right sibling is returned
// (nullptr otherwise). A leaf that overflows at its very end stays full and its sibling starts
// with the new element alone, so series appended in time order fill their leaves. Inner nodes
// always split in half so that every inner node but the root keeps at least two children,
// which Rebalance relies on.
template <typename N>
N* InsertItem(N* node, std::uint32_t pos, const typename N::ItemType& item, bool append_split,
              std::size_t& count) {
  if (node->size < N::kCapacity) {
    ShiftInsert(node, pos, item);
    return nullptr;
  }
  N* right = NewNode<N>(count);
  if (append_split && pos == node->size) {
    ShiftInsert(right, 0, item);
    return right;
  }
  const std::uint32_t half = node->size / 2;
  std::copy(node->items + half, node->items + node->size, right->items);
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
  std::copy(node->items + pos + 1, node->items + node->size, node->items + pos);
  --node->size;
}

// Moves all of `right` onto the end of `left`, or evens out their sizes when they do not fit
// in one node. Returns true when they merged (right is then empty).
template <typename N>
bool MergeOrBalance(N* left, N* right) {
  const std::uint32_t total = left->size + right->size;
  if (total <= N::kCapacity) {
    std::copy(right->items, right->items + right->size, left->items + left->size);
    left->size = total;
    right->size = 0;
    return true;
  }
  const std::uint32_t left_target = total / 2;
  if (left->size > left_target) {
    const std::uint32_t moved = left->size - left_target;
    std::copy_backward(right->items, right->items + right->size,
                       right->items + right->size + moved);
    std::copy(left->items + left_target, left->items + left->size, right->items);
  } else {
    const std::uint32_t moved = left_target - left->size;
    std::copy(right->items, right->items + moved, left->items + left->size);
    std::copy(right->items + moved, right->items + right->size, right->items);
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
  for (std::uint32_t i = 0; i < inner->size; ++i) FreeSubtree(inner->items[i].child, height - 1);
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
    const GoalElement* pos =
        FlatLowerBound(LeafElements(leaf), element.occurred_at, element.event_seq);
    TALLY_ASSERT_MSG(pos == leaf->items + leaf->size || KeyLess(element, *pos),
                     "GoalSeries: inserted key is already present");
    return InsertItem(leaf, static_cast<std::uint32_t>(pos - leaf->items), element,
                      /*append_split=*/true, counts.leaves);
  }
  Inner* inner = AsInner(node);
  const std::uint32_t i = RouteIndex(inner, element.occurred_at, element.event_seq);
  Node* child = inner->items[i].child;
  Node* split = InsertInto(child, height - 1, element, counts);
  inner->items[i] = MakeEntry(child, height - 1);
  if (split == nullptr) return nullptr;
  return InsertItem(inner, i + 1, MakeEntry(split, height - 1), /*append_split=*/false,
                    counts.inners);
}

// Refills or merges the under-full child at index i of `inner` with a neighbour and rewrites
// the entries of what remains.
void Rebalance(Inner* inner, std::uint32_t i, int child_height, NodeCounts counts) {
  TALLY_ASSERT_MSG(inner->size >= 2, "an inner node always has a sibling for each child");
  const std::uint32_t left = i > 0 ? i - 1 : i;
  const std::uint32_t right = left + 1;
  Node* left_node = inner->items[left].child;
  Node* right_node = inner->items[right].child;
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
    inner->items[right] = MakeEntry(right_node, child_height);
  }
  inner->items[left] = MakeEntry(left_node, child_height);
}

void EraseFrom(Node* node, int height, TimeUs time, std::uint64_t seq, NodeCounts counts) {
  if (height == 0) {
    Leaf* leaf = AsLeaf(node);
    const GoalElement* pos = FlatLowerBound(LeafElements(leaf), time, seq);
    TALLY_ASSERT_MSG(
        pos != leaf->items + leaf->size && pos->occurred_at == time && pos->event_seq == seq,
        "GoalSeries: erased key is not present");
    EraseItem(leaf, static_cast<std::uint32_t>(pos - leaf->items));
    return;
  }
  Inner* inner = AsInner(node);
  const std::uint32_t i = RouteIndex(inner, time, seq);
  Node* child = inner->items[i].child;
  EraseFrom(child, height - 1, time, seq, counts);
  if (child->size < MinSize(height - 1)) {
    Rebalance(inner, i, height - 1, counts);
  } else {
    inner->items[i] = MakeEntry(child, height - 1);
  }
}

void QueryNode(const Node* node, int height, ClosedTimeBounds bounds, SummaryFields fields,
               GoalSummary& out) {
  if (height == 0) {
    out.Add(FlatQuery(LeafElements(AsLeaf(node)), bounds, fields));
    return;
  }
  const Inner* inner = AsInner(node);
  const ChildEntry* end = inner->items + inner->size;
  const ChildEntry* it = std::partition_point(
      inner->items, end, [&](const ChildEntry& e) { return e.last_time < bounds.lo; });
  for (; it != end && it->first_time <= bounds.hi; ++it) {
    if (it->first_time >= bounds.lo && it->last_time <= bounds.hi) {
      out.Add(it->summary);
    } else {
      QueryNode(it->child, height - 1, bounds, fields, out);
    }
  }
}

void CopySubtree(const Node* node, int height, GoalElement*& out) {
  if (height == 0) {
    const Leaf* leaf = AsLeaf(node);
    out = std::copy(leaf->items, leaf->items + leaf->size, out);
    return;
  }
  const Inner* inner = AsInner(node);
  for (std::uint32_t i = 0; i < inner->size; ++i) {
    CopySubtree(inner->items[i].child, height - 1, out);
  }
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
    root->items[0] = MakeEntry(root_, height_);
    root->items[1] = MakeEntry(split, height_);
    root->size = 2;
    root_ = root;
    ++height_;
  }
  ++size_;
}

void GoalSeriesTree::Erase(TimeUs occurred_at, std::uint64_t event_seq) {
  TALLY_ASSERT_MSG(size_ > 0, "GoalSeries: erased key is not present");
  NodeCounts counts{leaf_count_, inner_count_};
  EraseFrom(root_, height_, occurred_at, event_seq, counts);
  --size_;
  // A root with one child adds a level and nothing else.
  while (height_ > 0 && root_->size == 1) {
    Inner* old_root = AsInner(root_);
    root_ = old_root->items[0].child;
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
    const ChildEntry* end = inner->items + inner->size;
    // Children are disjoint in key order, so the first whose last time is after t holds the
    // answer.
    const ChildEntry* it = std::partition_point(
        inner->items, end, [&](const ChildEntry& e) { return e.last_time <= t; });
    if (it == end) return std::nullopt;
    node = it->child;
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
