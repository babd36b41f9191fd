// NameIndex: the live events of one event name within one stripe, in customEvents.list order
// (occurred_at DESC, external_id ASC, D11), for listing by name without scanning.
//
// Stored as a sequence of sorted blocks of at most kBlockItemsMax (occurred_at, entry) pairs in
// the *reverse* of list order, because events mostly arrive in time order and so append to the
// last block. Insert and Erase are O(log n + kBlockItemsMax); the comparisons read occurred_at
// from the pairs and follow the entry pointer only on equal times. 16 bytes per event.
//
// Thread safety: none; the engine guards each index with its stripe's lock.
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "engine/clock.h"
#include "engine/workspace_fwd.h"

namespace tally::engine {

class NameIndex {
 public:
  static constexpr std::size_t kBlockItemsMax = 512;

  // `entry` must not be present (asserted); its occurred_at and key are read now.
  void Insert(const EventEntry* entry);
  // `entry` must be present with the occurred_at it was inserted with (asserted).
  void Erase(const EventEntry* entry);
  // Bulk build for snapshot loading (added by LOAD, session 6): appends (occurred_at, entry)
  // pairs given in the reverse of list order (occurred_at ASC, external_id DESC, asserted) to an
  // empty index, in blocks of kBlockItemsMax / 2 as Insert's splits leave them. O(n), and it
  // reads an entry only to order equal times.
  void AppendSorted(std::span<const std::pair<TimeUs, const EventEntry*>> items);
  bool empty() const { return blocks_.empty(); }
  std::size_t size() const;

  // Walks the index in list order.
  class Cursor {
   public:
    explicit Cursor(const NameIndex& index);
    bool done() const { return block_ == 0 && item_ == 0; }
    const EventEntry* entry() const;
    TimeUs occurred_at() const;
    void Next();

   private:
    const NameIndex* index_;
    std::size_t block_;  // one past the current block
    std::size_t item_;   // one past the current item
  };

 private:
  struct Item {
    TimeUs occurred_at;
    const EventEntry* entry;
  };
  // The reverse of list order: occurred_at ASC, then external_id DESC.
  static bool Less(const Item& a, const Item& b);
  std::size_t BlockFor(const Item& item) const;

  std::vector<std::vector<Item>> blocks_;  // none empty
};

}  // namespace tally::engine
