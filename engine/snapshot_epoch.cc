#include "engine/snapshot_epoch.h"

#include <atomic>

#include "log/assert.h"

namespace tally::engine {
namespace {

std::atomic<std::uint32_t>& Epoch() {
  static std::atomic<std::uint32_t> epoch{0};
  return epoch;
}

}  // namespace

std::uint32_t SnapshotEpochNow() {
  // Relaxed suffices: a writer reads this after passing the write gate, which orders it after
  // the cut's increment.
  return Epoch().load(std::memory_order_relaxed);
}

std::uint32_t NewSnapshotEpoch() {
  const std::uint32_t epoch = Epoch().fetch_add(1, std::memory_order_relaxed) + 1;
  // UINT32_MAX marks a contact the walk is encoding (engine/snapshot_capture.h).
  TALLY_ASSERT_MSG(epoch != 0 && epoch != UINT32_MAX, "snapshot epochs wrapped around");
  return epoch;
}

}  // namespace tally::engine
