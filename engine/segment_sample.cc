#include "engine/segment_sample.h"

#include <algorithm>

#include "log/assert.h"

namespace tally::engine {

void SegmentSample::Offer(std::uint64_t prefix, std::string_view email) {
  if (limit_ == 0) return;
  if (heap_.size() == limit_) {
    const Candidate& largest = heap_.front();
    if (prefix > largest.prefix || (prefix == largest.prefix && !(email < largest.text()))) {
      return;
    }
    std::pop_heap(heap_.begin(), heap_.end(), Less);
    heap_.back() = Candidate{prefix, email, {}};
  } else {
    heap_.push_back(Candidate{prefix, email, {}});
  }
  std::push_heap(heap_.begin(), heap_.end(), Less);
  TALLY_ASSERT(heap_.size() <= limit_);
}

void SegmentSample::Own() {
  for (Candidate& candidate : heap_) {
    if (candidate.borrowed.empty()) continue;
    candidate.owned = candidate.borrowed;
    candidate.borrowed = {};
  }
}

std::vector<std::string> SegmentSample::TakeSorted() {
  Own();
  std::sort_heap(heap_.begin(), heap_.end(), Less);
  std::vector<std::string> out;
  out.reserve(heap_.size());
  for (Candidate& candidate : heap_) out.push_back(std::move(candidate.owned));
  heap_.clear();
  return out;
}

}  // namespace tally::engine
