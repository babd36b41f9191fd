// EntryTable: a hash map whose entries (std::pair<const Key, Value>) keep their addresses until
// they are erased, stored without one heap allocation per entry.
//
// Entries live in a pool of fixed-size chunks addressed by 32-bit ids (an erased entry's id is
// reused by the next insert); the index is an open-addressing boost::unordered_flat_set of
// 8-byte {32-bit hash, id} references, so a lookup probes one contiguous array and follows one
// id to compare the key, and growing the index moves 8-byte references without touching the
// entries. Per entry: sizeof(Entry) in the pool plus ~12 bytes of index at its average load.
//
// Traits supplies the key's view type (KeyView, what lookups take), Hash(KeyView) (64 bits of
// XXH3), Equal(const Key&, const KeyView&) and MakeKey(const KeyView&) (what the stored key is
// constructed from).
//
// The pages of the chunk being filled are populated ahead of the entries written into them
// (engine/page_prefault.h): a page fault on fresh memory costs ~12 µs on the VMs we run on, an
// event entry is 128 bytes, so without it every 32nd insert took one.
//
// Thread safety: none; the owner guards the table (the engine: the stripe's lock). Entry
// addresses stay valid across inserts and other erasures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_set.hpp>

#include "engine/page_prefault.h"
#include "log/assert.h"

namespace tally::engine {

template <typename Traits>
class EntryTable {
 public:
  using Key = typename Traits::Key;
  using Value = typename Traits::Value;
  using KeyView = typename Traits::KeyView;
  using Entry = std::pair<const Key, Value>;

 private:
  // Entries per pool chunk: small enough that a workspace with few entries per stripe stays
  // small, large enough that the chunk list stays short (~30 chunks per million entries).
  static constexpr unsigned kChunkShift = 10;
  static constexpr std::uint32_t kChunkEntries = std::uint32_t{1} << kChunkShift;

  struct Ref {
    std::uint32_t hash;  // the top 32 bits of the key's hash
    std::uint32_t id;
  };
  // A lookup: the key's view and hash, and the table that resolves ids to keys.
  struct Probe {
    std::uint32_t hash;
    const KeyView* key;
    const EntryTable* table;
  };
  struct RefHash {
    using is_transparent = void;
    std::size_t operator()(const Ref& r) const { return r.hash; }
    std::size_t operator()(const Probe& p) const { return p.hash; }
  };
  // Ids are unique in the index, and the table inserts a key only after a lookup missed it, so
  // two references are equal exactly when their ids are.
  struct RefEqual {
    using is_transparent = void;
    bool operator()(const Ref& a, const Ref& b) const { return a.id == b.id; }
    bool operator()(const Ref& r, const Probe& p) const { return Matches(r, p); }
    bool operator()(const Probe& p, const Ref& r) const { return Matches(r, p); }
    static bool Matches(const Ref& r, const Probe& p) {
      return r.hash == p.hash && Traits::Equal(p.table->At(r.id)->first, *p.key);
    }
  };
  // The index's arrays, allocated whole when it grows, are written all over by the rehash that
  // follows (every reference moves to a random bucket), so the pages of a large one are
  // populated in a few system calls at once instead of faulting one by one
  // (engine/page_prefault.h). A small one is left alone: its pages are most likely in use.
  template <typename T>
  struct PopulatedAllocator {
    using value_type = T;
    PopulatedAllocator() = default;
    template <typename U>
    PopulatedAllocator(const PopulatedAllocator<U>&) {}
    T* allocate(std::size_t n) {
      T* memory = std::allocator<T>().allocate(n);
      const std::size_t bytes = n * sizeof(T);
      if (bytes < PagePrefault::kAheadBytes) return memory;
      PagePrefault prefault;
      for (std::size_t used = 0; used < bytes; used += PagePrefault::kAheadBytes) {
        prefault.Ahead(memory, used, bytes);
      }
      return memory;
    }
    void deallocate(T* memory, std::size_t n) { std::allocator<T>().deallocate(memory, n); }
    bool operator==(const PopulatedAllocator&) const = default;
  };
  using Index = boost::unordered_flat_set<Ref, RefHash, RefEqual, PopulatedAllocator<Ref>>;

  // Slots start on cache lines, so that an entry of 128 bytes (an event) spans two lines, not
  // three, and the key a lookup compares shares its line with the start of the value.
  static constexpr std::size_t kSlotAlign = alignof(Entry) > 64 ? alignof(Entry) : 64;
  struct alignas(kSlotAlign) Slot {
    std::byte bytes[sizeof(Entry)];
  };

 public:
  template <bool kConst>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<kConst, const Entry&, Entry&>;
    using pointer = std::conditional_t<kConst, const Entry*, Entry*>;

    Iterator() = default;
    Iterator(const EntryTable* table, typename Index::const_iterator it) : table_(table), it_(it) {}
    // A mutable iterator converts to a const one.
    template <bool kOther>
    requires(kConst && !kOther) Iterator(const Iterator<kOther>& other)
        : table_(other.table_), it_(other.it_) {}

    reference operator*() const { return *table_->At(it_->id); }
    pointer operator->() const { return table_->At(it_->id); }
    Iterator& operator++() {
      ++it_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++it_;
      return before;
    }
    bool operator==(const Iterator& other) const { return it_ == other.it_; }

   private:
    friend class EntryTable;
    friend class Iterator<!kConst>;
    const EntryTable* table_ = nullptr;
    typename Index::const_iterator it_;
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  EntryTable() = default;
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;
  ~EntryTable() {
    for (const Ref& r : index_) At(r.id)->~Entry();
  }

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  iterator begin() { return {this, index_.begin()}; }
  iterator end() { return {this, index_.end()}; }
  const_iterator begin() const { return {this, index_.begin()}; }
  const_iterator end() const { return {this, index_.end()}; }

  // Room for `n` entries in the index without rehashing (the pool grows by chunks anyway).
  void reserve(std::size_t n) { index_.reserve(n); }

  iterator find(const KeyView& key) { return {this, FindRef(key)}; }
  const_iterator find(const KeyView& key) const { return {this, FindRef(key)}; }
  bool contains(const KeyView& key) const { return FindRef(key) != index_.end(); }

  // The entry of `key`, default-constructing its value when absent (then `second` is true).
  // The key is built from its view only on insertion.
  std::pair<iterator, bool> try_emplace(const KeyView& key) {
    const std::uint32_t hash = Hash32(key);
    if (const auto it = index_.find(Probe{hash, &key, this}); it != index_.end()) {
      return {iterator(this, it), false};
    }
    const std::uint32_t id = NewSlot();
    ::new (SlotAt(id)) Entry(std::piecewise_construct, std::forward_as_tuple(Traits::MakeKey(key)),
                             std::forward_as_tuple());
    const auto [it, inserted] = index_.insert(Ref{hash, id});
    TALLY_ASSERT(inserted);
    return {iterator(this, it), true};
  }

  Value& operator[](const KeyView& key) { return try_emplace(key).first->second; }

  // Destroys the entry; its address and id may be reused by a later insertion.
  void erase(const_iterator it) {
    TALLY_ASSERT(it.table_ == this && it.it_ != index_.end());
    const std::uint32_t id = it.it_->id;
    index_.erase(it.it_);
    At(id)->~Entry();
    free_ids_.push_back(id);
  }

  // Bytes held by the pool and the index, for the memory benchmarks.
  std::size_t MemoryBytes() const {
    return chunks_.size() * kChunkEntries * sizeof(Slot) + free_ids_.capacity() * 4 +
           index_.bucket_count() * (sizeof(Ref) + 1);
  }

 private:
  static std::uint32_t Hash32(const KeyView& key) {
    return static_cast<std::uint32_t>(Traits::Hash(key) >> 32);
  }

  typename Index::const_iterator FindRef(const KeyView& key) const {
    return index_.find(Probe{Hash32(key), &key, this});
  }

  Slot* SlotAt(std::uint32_t id) const {
    TALLY_ASSERT(id < next_id_);
    return &chunks_[id >> kChunkShift][id & (kChunkEntries - 1)];
  }
  Entry* At(std::uint32_t id) const { return std::launder(reinterpret_cast<Entry*>(SlotAt(id))); }

  std::uint32_t NewSlot() {
    if (!free_ids_.empty()) {
      const std::uint32_t id = free_ids_.back();
      free_ids_.pop_back();
      return id;
    }
    TALLY_ASSERT_MSG(next_id_ < UINT32_MAX, "EntryTable: 2^32 entries");
    if ((next_id_ & (kChunkEntries - 1)) == 0) {
      chunks_.push_back(std::make_unique_for_overwrite<Slot[]>(kChunkEntries));
    }
    const std::uint32_t id = next_id_++;
    const std::size_t used_slots = (id & (kChunkEntries - 1)) + 1;
    prefault_.Ahead(chunks_.back().get(), used_slots * sizeof(Slot), kChunkEntries * sizeof(Slot));
    return id;
  }

  Index index_;
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::uint32_t next_id_ = 0;  // ids below it have a slot
  std::vector<std::uint32_t> free_ids_;
  PagePrefault prefault_;  // of the last chunk
};

}  // namespace tally::engine
