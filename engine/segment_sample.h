// SegmentSample: the `limit` smallest emails of a set of matching contacts, collected without
// copying every match. A candidate refers to the stored email while the caller holds its stripe;
// Own() copies only the kept ones before the stripe is released. Candidates are compared by
// EmailPrefix first (engine/goal_columns.h), so most matches are turned away without reading
// their email at all.
//
// Thread safety: none; one sample per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tally::engine {

class SegmentSample {
 public:
  explicit SegmentSample(std::size_t limit) : limit_(limit) {}

  // Offers a matching email whose EmailPrefix is `prefix`; its text is read only when the
  // prefix ties with the largest kept one. `email` must stay valid until the next Own().
  // O(log limit) when kept, O(1) otherwise.
  void Offer(std::uint64_t prefix, std::string_view email);

  // Whether Offer might keep an email whose EmailPrefix is `prefix`: callers skip reading the
  // email (a cache miss into the contact) for the many that it would turn away. O(1).
  bool MayKeep(std::uint64_t prefix) const {
    return heap_.size() < limit_ || (!heap_.empty() && prefix <= heap_.front().prefix);
  }

  // Copies the kept emails that still refer to the caller's storage.
  void Own();

  // The kept emails, ascending (owned). Leaves the sample empty.
  std::vector<std::string> TakeSorted();

 private:
  struct Candidate {
    std::uint64_t prefix = 0;
    std::string_view borrowed;  // empty once owned (an email never is)
    std::string owned;

    std::string_view text() const { return borrowed.empty() ? owned : borrowed; }
  };
  static bool Less(const Candidate& a, const Candidate& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.text() < b.text();
  }

  std::size_t limit_;
  std::vector<Candidate> heap_;  // a max-heap under Less: the front is the largest kept
};

}  // namespace tally::engine
