#include "engine/segment_registry.h"

#include <algorithm>

#include "log/assert.h"

namespace tally::engine {

SegmentRegistry::SegmentRegistry() : live_(std::make_shared<const SegmentList>()) {}

std::shared_ptr<const SegmentList> SegmentRegistry::Live() const {
  std::lock_guard lock(mu_);
  return live_;
}

std::vector<std::shared_ptr<SavedSegment>> SegmentRegistry::All() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<SavedSegment>> out;
  out.reserve(by_id_.size());
  for (const auto& [id, segment] : by_id_) out.push_back(segment);
  return out;
}

std::shared_ptr<SavedSegment> SegmentRegistry::Find(std::string_view id) const {
  std::lock_guard lock(mu_);
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::optional<unsigned> SegmentRegistry::FreeOrdinal() const {
  std::lock_guard lock(mu_);
  std::array<bool, kSegmentsPerWorkspaceMax> used{};
  for (const auto& segment : *live_) used[segment->ordinal] = true;
  const auto it = std::find(used.begin(), used.end(), false);
  if (it == used.end()) return std::nullopt;
  return static_cast<unsigned>(it - used.begin());
}

void SegmentRegistry::Put(std::shared_ptr<SavedSegment> segment) {
  TALLY_ASSERT(segment->ordinal < kSegmentsPerWorkspaceMax && !segment->deleted);
  std::lock_guard lock(mu_);
  auto live = std::make_shared<SegmentList>();
  for (const auto& s : *live_) {
    if (s->definition.id != segment->definition.id) live->push_back(s);
  }
  TALLY_ASSERT(live->size() < kSegmentsPerWorkspaceMax);
  live->push_back(segment);
  by_id_[segment->definition.id] = std::move(segment);
  live_count_.store(live->size(), std::memory_order_release);
  live_ = std::move(live);
}

void SegmentRegistry::MarkDeleted(const std::shared_ptr<SavedSegment>& segment) {
  std::lock_guard lock(mu_);
  auto live = std::make_shared<SegmentList>(*live_);
  const auto erased = std::erase(*live, segment);
  TALLY_ASSERT(erased == 1);
  segment->deleted = true;
  live_count_.store(live->size(), std::memory_order_release);
  live_ = std::move(live);
}

void SegmentRegistry::Schedule(TimeUs at, std::string email) {
  std::lock_guard lock(mu_);
  queue_.emplace(at, std::move(email));
}

std::vector<std::pair<TimeUs, std::string>> SegmentRegistry::PopDue(TimeUs now) {
  std::vector<Entry> due;
  std::lock_guard lock(mu_);
  while (!queue_.empty() && queue_.top().first <= now) {
    due.push_back(queue_.top());
    queue_.pop();
  }
  return due;
}

std::optional<TimeUs> SegmentRegistry::NextDue() const {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return std::nullopt;
  return queue_.top().first;
}

}  // namespace tally::engine
