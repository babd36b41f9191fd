#include "log/segment_list.h"

#include <algorithm>

#include "log/assert.h"

namespace tally::log {

SegmentList::SegmentList(std::vector<std::shared_ptr<Segment>> segments,
                         const std::vector<SalvageSkip>& skips)
    : segments_(std::move(segments)) {
  for (const SalvageSkip& skip : skips) {
    skips_.emplace(std::make_pair(skip.seq, skip.offset), skip);
  }
}

void SegmentList::Add(std::shared_ptr<Segment> segment) {
  std::lock_guard lock(mu_);
  TALLY_ASSERT(segments_.empty() || segments_.back()->seq() < segment->seq());
  segments_.push_back(std::move(segment));
}

std::shared_ptr<Segment> SegmentList::ForLsn(Lsn lsn) const {
  std::lock_guard lock(mu_);
  if (segments_.empty()) {
    return nullptr;
  }
  // first_lsn ascends with seq; find the last segment starting at or before `lsn`.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), lsn,
                             [](Lsn value, const std::shared_ptr<Segment>& segment) {
                               return value < segment->first_lsn();
                             });
  return it == segments_.begin() ? segments_.front() : *std::prev(it);
}

std::shared_ptr<Segment> SegmentList::BySeq(std::uint64_t seq) const {
  std::lock_guard lock(mu_);
  for (const auto& segment : segments_) {
    if (segment->seq() == seq) {
      return segment;
    }
  }
  return nullptr;
}

std::shared_ptr<Segment> SegmentList::After(std::uint64_t seq) const {
  std::lock_guard lock(mu_);
  for (const auto& segment : segments_) {
    if (segment->seq() > seq) {
      return segment;
    }
  }
  return nullptr;
}

std::vector<std::shared_ptr<Segment>> SegmentList::All() const {
  std::lock_guard lock(mu_);
  return segments_;
}

std::optional<SalvageSkip> SegmentList::SkipAt(std::uint64_t seq, std::uint64_t offset) const {
  const auto it = skips_.find(std::make_pair(seq, offset));
  if (it == skips_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<std::shared_ptr<Segment>> SegmentList::TakeBelow(Lsn lsn) {
  std::lock_guard lock(mu_);
  std::size_t count = 0;
  // Segment i holds only LSNs below the next segment's first LSN.
  while (count + 1 < segments_.size() && segments_[count + 1]->first_lsn() <= lsn) {
    ++count;
  }
  std::vector<std::shared_ptr<Segment>> taken(segments_.begin(),
                                              segments_.begin() + static_cast<long>(count));
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(count));
  return taken;
}

}  // namespace tally::log
