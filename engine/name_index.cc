#include "engine/name_index.h"

#include <algorithm>

#include "engine/workspace.h"
#include "log/assert.h"

namespace tally::engine {

bool NameIndex::Less(const Item& a, const Item& b) {
  if (a.occurred_at != b.occurred_at) return a.occurred_at < b.occurred_at;
  return a.entry->first.external_id > b.entry->first.external_id;
}

std::size_t NameIndex::BlockFor(const Item& item) const {
  // The first block whose last item is not below `item`; the last block when none is.
  const auto it = std::partition_point(
      blocks_.begin(), blocks_.end(),
      [&](const std::vector<Item>& block) { return Less(block.back(), item); });
  return it == blocks_.end() ? blocks_.size() - 1 : static_cast<std::size_t>(it - blocks_.begin());
}

void NameIndex::Insert(const EventEntry* entry) {
  const Item item{entry->second.occurred_at, entry};
  if (blocks_.empty()) {
    blocks_.emplace_back().push_back(item);
    return;
  }
  // Events mostly arrive in time order, so an item after the last one is appended without a
  // search: it touches only the end of the last block, not the lines of a binary search through
  // it. Otherwise the last block is checked before searching the blocks, for the same reason.
  std::size_t b = blocks_.size() - 1;
  if (!Less(item, blocks_.back().back())) {
    TALLY_ASSERT(blocks_.back().back().entry != entry);
    blocks_.back().push_back(item);
  } else {
    if (Less(item, blocks_.back().front())) b = BlockFor(item);
    std::vector<Item>& block = blocks_[b];
    const auto at = std::lower_bound(block.begin(), block.end(), item, Less);
    TALLY_ASSERT(at == block.end() || at->entry != entry);
    block.insert(at, item);
  }
  std::vector<Item>& block = blocks_[b];
  if (block.size() > kBlockItemsMax) {
    // Split in half so that both halves have room before the next split. The lower half gives
    // back the capacity the block doubled to for its last insert: events mostly arrive in time
    // order, so it rarely grows again, and that capacity would otherwise double its 16 bytes per
    // event for good.
    std::vector<Item> upper(block.begin() + kBlockItemsMax / 2, block.end());
    block.resize(kBlockItemsMax / 2);
    block.shrink_to_fit();
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
  }
}

void NameIndex::AppendSorted(std::span<const std::pair<TimeUs, const EventEntry*>> items) {
  TALLY_ASSERT(blocks_.empty());
  constexpr std::size_t kBlockItems = kBlockItemsMax / 2;
  blocks_.reserve((items.size() + kBlockItems - 1) / kBlockItems);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item item{items[i].first, items[i].second};
    if (i > 0) {
      const Item before{items[i - 1].first, items[i - 1].second};
      TALLY_ASSERT_MSG(Less(before, item), "AppendSorted: items out of order");
    }
    if (i % kBlockItems == 0)
      blocks_.emplace_back().reserve(std::min(kBlockItems, items.size() - i));
    blocks_.back().push_back(item);
  }
}

void NameIndex::Erase(const EventEntry* entry) {
  const Item item{entry->second.occurred_at, entry};
  TALLY_ASSERT(!blocks_.empty());
  const std::size_t b = BlockFor(item);
  std::vector<Item>& block = blocks_[b];
  const auto at = std::lower_bound(block.begin(), block.end(), item, Less);
  TALLY_ASSERT_MSG(at != block.end() && at->entry == entry, "erasing an event not in the index");
  block.erase(at);
  if (block.empty()) blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
}

std::size_t NameIndex::size() const {
  std::size_t n = 0;
  for (const auto& block : blocks_) n += block.size();
  return n;
}

NameIndex::Cursor::Cursor(const NameIndex& index)
    : index_(&index),
      block_(index.blocks_.size()),
      item_(index.blocks_.empty() ? 0 : index.blocks_.back().size()) {}

const EventEntry* NameIndex::Cursor::entry() const {
  TALLY_ASSERT(!done());
  return index_->blocks_[block_ - 1][item_ - 1].entry;
}

TimeUs NameIndex::Cursor::occurred_at() const {
  TALLY_ASSERT(!done());
  return index_->blocks_[block_ - 1][item_ - 1].occurred_at;
}

void NameIndex::Cursor::Next() {
  TALLY_ASSERT(!done());
  if (--item_ == 0 && --block_ > 0) item_ = index_->blocks_[block_ - 1].size();
}

}  // namespace tally::engine
