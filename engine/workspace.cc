#include "engine/workspace.h"

#include <bit>

#include <xxhash.h>

#include "engine/segment_registry.h"
#include "log/assert.h"

namespace tally::engine {

Workspace::Workspace(std::string workspace_id)
    : id(std::move(workspace_id)), segments(std::make_unique<SegmentRegistry>()) {}
Workspace::~Workspace() = default;

unsigned EventStripe(std::string_view event_name, std::string_view external_id) {
  const XXH64_hash_t seed = XXH3_64bits(event_name.data(), event_name.size());
  return static_cast<unsigned>(XXH3_64bits_withSeed(external_id.data(), external_id.size(), seed) %
                               kStripeCount);
}

unsigned ContactStripe(std::string_view email) {
  return static_cast<unsigned>(XXH3_64bits(email.data(), email.size()) % kStripeCount);
}

StripeLocks::StripeLocks(const Workspace& ws, StripeMask mask, bool exclusive)
    : ws_(ws), mask_(mask), exclusive_(exclusive) {
  TALLY_ASSERT(mask != 0);
  // Ascending index order is the one lock order every path follows, so no two lockers wait
  // on each other in a cycle.
  for (StripeMask m = mask_; m != 0; m &= m - 1) {
    auto& mu = ws_.stripes[std::countr_zero(m)].mu;
    if (exclusive_) {
      mu.lock();
    } else {
      mu.lock_shared();
    }
  }
}

StripeLocks::~StripeLocks() {
  for (StripeMask m = mask_; m != 0; m &= m - 1) {
    auto& mu = ws_.stripes[std::countr_zero(m)].mu;
    if (exclusive_) {
      mu.unlock();
    } else {
      mu.unlock_shared();
    }
  }
}

}  // namespace tally::engine
