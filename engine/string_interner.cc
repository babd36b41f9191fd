#include "engine/string_interner.h"

#include <xxhash.h>

#include "log/assert.h"

namespace tally::engine {
namespace {

constexpr std::size_t kInitialCapacity = 64;

std::uint64_t Hash(std::string_view text) {
  return XXH3_64bits(text.data(), text.size());
}

}  // namespace

StringInterner::Table::Table(std::size_t capacity)
    : mask(capacity - 1), slots(std::make_unique<std::atomic<const std::string*>[]>(capacity)) {
  TALLY_ASSERT((capacity & mask) == 0);
}

StringInterner::StringInterner() {
  tables_.push_back(std::make_unique<Table>(kInitialCapacity));
  table_.store(tables_.back().get(), std::memory_order_release);
}

StringInterner::~StringInterner() = default;

const std::string* StringInterner::Probe(const Table& table, std::string_view text,
                                         std::uint64_t hash) {
  for (std::size_t i = hash & table.mask;; i = (i + 1) & table.mask) {
    // Acquire pairs with Place's release: a visible pointer has its string's bytes visible.
    const std::string* s = table.slots[i].load(std::memory_order_acquire);
    if (s == nullptr || *s == text) return s;
  }
}

void StringInterner::Place(Table& table, const std::string* s, std::uint64_t hash) {
  for (std::size_t i = hash & table.mask;; i = (i + 1) & table.mask) {
    if (table.slots[i].load(std::memory_order_relaxed) == nullptr) {
      table.slots[i].store(s, std::memory_order_release);
      return;
    }
  }
}

const std::string* StringInterner::Find(std::string_view text) const {
  return Probe(*table_.load(std::memory_order_acquire), text, Hash(text));
}

const std::string* StringInterner::Intern(std::string_view text) {
  const std::uint64_t hash = Hash(text);
  if (const std::string* found = Probe(*table_.load(std::memory_order_acquire), text, hash)) {
    return found;
  }
  std::lock_guard lock(mu_);
  Table* table = tables_.back().get();
  // Another writer may have added it since the lock-free probe.
  if (const std::string* found = Probe(*table, text, hash)) return found;
  const std::string* s = &strings_.emplace_back(text);
  // At most half full keeps probes short and guarantees every probe meets a null slot.
  if (2 * strings_.size() > table->mask + 1) {
    auto grown = std::make_unique<Table>(2 * (table->mask + 1));
    for (const std::string& existing : strings_) Place(*grown, &existing, Hash(existing));
    table = tables_.emplace_back(std::move(grown)).get();
    table_.store(table, std::memory_order_release);
  } else {
    Place(*table, s, hash);
  }
  return s;
}

}  // namespace tally::engine
