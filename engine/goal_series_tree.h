// GoalSeriesTree: the large-series form of GoalSeries, an augmented B+tree.
//
// Leaves hold elements sorted by (occurred_at, cents), equal keys allowed. Each inner node
// holds, for every child, the child's first key, last occurred_at and GoalSummary (count, valued
// count, sum, min, max), stored column by column, so a range query adds whole children from their
// parent's columns and descends only into the at most two children per level that the range
// cuts. Insert and Erase update the entries on the root-to-leaf path they touched; Erase
// rescans a child only when the erased element may have been its min, max, first key or last
// time. With F = fan-out (32) and L = leaf capacity (64): Insert, Erase and Query cost
// O(L + F·log_F(n)); NextTimeAfter costs O(log n).
//
// Empty trees are allowed (a root leaf with no elements); GoalSeries switches back to its flat
// form long before that.
//
// Thread safety: none; the owner serializes every call (GoalSeries is guarded by its contact's
// lock stripe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/clock.h"
#include "engine/goal_series_element.h"

namespace tally::engine {

class GoalSeriesTree {
 public:
  GoalSeriesTree();
  ~GoalSeriesTree();
  GoalSeriesTree(const GoalSeriesTree&) = delete;
  GoalSeriesTree& operator=(const GoalSeriesTree&) = delete;

  // Adds an element.
  void Insert(const GoalElement& element);

  // Removes one element with this key; one must be present (asserted).
  void Erase(TimeUs occurred_at, std::int64_t cents);

  // The summary of the elements with bounds.lo <= occurred_at <= bounds.hi; with kCountOnly
  // only `count` is filled in.
  GoalSummary Query(ClosedTimeBounds bounds, SummaryFields fields) const;

  // The smallest occurred_at strictly greater than t, if any.
  std::optional<TimeUs> NextTimeAfter(TimeUs t) const;

  // Writes every element in key order; out.size() must equal size() (asserted).
  void CopyInOrder(std::span<GoalElement> out) const;

  std::size_t size() const { return size_; }

  // Heap bytes held by the nodes and this object.
  std::size_t MemoryBytes() const;

  struct Node;

 private:
  // The tree owns every node. Nodes are plain arrays moved with memberwise copies, so child
  // links are raw pointers; ~GoalSeriesTree frees them all.
  Node* root_;
  int height_ = 0;  // 0: the root is a leaf
  std::size_t size_ = 0;
  std::size_t leaf_count_ = 1;
  std::size_t inner_count_ = 0;
};

}  // namespace tally::engine
