#include "engine/goal_series.h"

#include <algorithm>
#include <new>
#include <span>

#include "engine/goal_series_element.h"
#include "engine/goal_series_flat.h"
#include "engine/goal_series_tree.h"
#include "log/assert.h"

namespace tally::engine {

namespace {

// A series holds its elements in one flat sorted array up to kFlatMax elements and in a
// GoalSeriesTree above that; docs/benchmarks.md ("## GoalSeries") has the measurements behind
// the numbers. A tree goes back to flat only below kFlatMin, so that a series hovering at the
// limit does not convert back and forth on every write.
constexpr std::uint32_t kFlatMax = 128;
constexpr std::uint32_t kFlatMin = kFlatMax / 2;

// Flat arrays grow by half, not double, because most series stay small and slack is memory
// that a million contacts pay for.
std::uint32_t GrownCapacity(std::uint32_t capacity) {
  return std::min(kFlatMax, capacity + capacity / 2 + 1);
}

}  // namespace

// One heap block: this header followed, in flat form, by flat_capacity elements. In tree form
// the block is the header alone and `tree` holds the elements. An empty series has no block.
struct GoalSeries::Rep {
  std::unique_ptr<GoalSeriesTree> tree;
  std::uint32_t flat_size = 0;
  std::uint32_t flat_capacity = 0;

  static std::unique_ptr<Rep> NewFlat(std::uint32_t capacity) {
    static_assert(sizeof(Rep) % alignof(GoalElement) == 0, "elements follow the header");
    void* memory = ::operator new(sizeof(Rep) + capacity * sizeof(GoalElement));
    auto rep = std::unique_ptr<Rep>(new (memory) Rep());
    rep->flat_capacity = capacity;
    return rep;
  }

  static std::unique_ptr<Rep> NewTree(std::unique_ptr<GoalSeriesTree> tree) {
    std::unique_ptr<Rep> rep = NewFlat(0);
    rep->tree = std::move(tree);
    return rep;
  }

  // The block was allocated by NewFlat with ::operator new of a larger size.
  static void operator delete(void* memory) { ::operator delete(memory); }

  // The elements live right after the header; the block's storage provides them (GoalElement
  // is an implicit-lifetime type).
  GoalElement* flat_data() { return reinterpret_cast<GoalElement*>(this + 1); }
  std::span<GoalElement> flat() { return {flat_data(), flat_size}; }
};

GoalSeries::GoalSeries() = default;
GoalSeries::~GoalSeries() = default;
GoalSeries::GoalSeries(GoalSeries&&) noexcept = default;
GoalSeries& GoalSeries::operator=(GoalSeries&&) noexcept = default;

void GoalSeries::Insert(TimeUs occurred_at, std::optional<std::int64_t> cents) {
  TALLY_ASSERT_MSG(!cents || *cents != kNoCents, "GoalSeries: INT64_MIN cents are reserved");
  const GoalElement element{.occurred_at = occurred_at, .cents = cents.value_or(kNoCents)};
  if (!rep_) rep_ = Rep::NewFlat(1);
  if (rep_->tree) {
    rep_->tree->Insert(element);
    return;
  }
  std::span<GoalElement> flat = rep_->flat();
  // Events mostly arrive in time order, so an element not below the last one is appended
  // without a binary search through the array's lines. (An element equal to the last may go
  // after it: equal elements are interchangeable.)
  const bool append = flat.empty() || !KeyLess(occurred_at, element.cents, flat.back().occurred_at,
                                               flat.back().cents);
  const std::size_t index =
      append ? flat.size()
             : static_cast<std::size_t>(FlatLowerBound(flat, occurred_at, element.cents) -
                                        flat.data());

  if (rep_->flat_size == kFlatMax) {
    auto tree = std::make_unique<GoalSeriesTree>();
    for (const GoalElement& existing : flat) tree->Insert(existing);
    tree->Insert(element);
    rep_ = Rep::NewTree(std::move(tree));
    return;
  }
  if (rep_->flat_size == rep_->flat_capacity) {
    std::unique_ptr<Rep> grown = Rep::NewFlat(GrownCapacity(rep_->flat_capacity));
    std::copy(flat.begin(), flat.end(), grown->flat_data());
    grown->flat_size = rep_->flat_size;
    rep_ = std::move(grown);
  }
  GoalElement* data = rep_->flat_data();
  std::copy_backward(data + index, data + rep_->flat_size, data + rep_->flat_size + 1);
  data[index] = element;
  ++rep_->flat_size;
  TALLY_ASSERT(rep_->flat_size <= rep_->flat_capacity);
}

void GoalSeries::Erase(TimeUs occurred_at, std::optional<std::int64_t> optional_cents) {
  TALLY_ASSERT_MSG(rep_ != nullptr, "GoalSeries: erased key is not present");
  const std::int64_t cents = optional_cents.value_or(kNoCents);
  if (rep_->tree) {
    GoalSeriesTree& tree = *rep_->tree;
    tree.Erase(occurred_at, cents);
    if (tree.size() < kFlatMin) {
      const auto size = static_cast<std::uint32_t>(tree.size());
      std::unique_ptr<Rep> flat = Rep::NewFlat(GrownCapacity(size));
      flat->flat_size = size;
      tree.CopyInOrder(flat->flat());
      rep_ = std::move(flat);
    }
    return;
  }
  std::span<GoalElement> flat = rep_->flat();
  const GoalElement* pos = FlatLowerBound(flat, occurred_at, cents);
  TALLY_ASSERT_MSG(
      pos != flat.data() + flat.size() && pos->occurred_at == occurred_at && pos->cents == cents,
      "GoalSeries: erased key is not present");
  GoalElement* data = rep_->flat_data();
  const std::size_t index = static_cast<std::size_t>(pos - data);
  std::copy(data + index + 1, data + rep_->flat_size, data + index);
  --rep_->flat_size;

  if (rep_->flat_size == 0) {
    rep_.reset();
  } else if (rep_->flat_size * 4 <= rep_->flat_capacity) {
    // Give back slack after many erases, leaving room to grow before the next reallocation.
    std::unique_ptr<Rep> shrunk = Rep::NewFlat(GrownCapacity(rep_->flat_size));
    std::copy(data, data + rep_->flat_size, shrunk->flat_data());
    shrunk->flat_size = rep_->flat_size;
    rep_ = std::move(shrunk);
  }
}

AggregateValue GoalSeries::Aggregate(AggregateOp op, const TimeRange& range) const {
  GoalSummary summary;
  if (rep_) {
    const ClosedTimeBounds bounds = ToClosedBounds(range);
    const SummaryFields fields = FieldsFor(op);
    summary =
        rep_->tree ? rep_->tree->Query(bounds, fields) : FlatQuery(rep_->flat(), bounds, fields);
  }
  return ToAggregateValue(op, summary);
}

std::optional<TimeUs> GoalSeries::NextTimeAfter(TimeUs t) const {
  if (!rep_) return std::nullopt;
  if (rep_->tree) return rep_->tree->NextTimeAfter(t);
  return FlatNextTimeAfter(rep_->flat(), t);
}

std::size_t GoalSeries::size() const {
  if (!rep_) return 0;
  return rep_->tree ? rep_->tree->size() : rep_->flat_size;
}

std::size_t GoalSeries::MemoryBytes() const {
  if (!rep_) return 0;
  if (rep_->tree) return sizeof(Rep) + rep_->tree->MemoryBytes();
  return sizeof(Rep) + rep_->flat_capacity * sizeof(GoalElement);
}

}  // namespace tally::engine
