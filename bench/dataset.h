// Dataset: a deterministic (seeded) stream of realistic customEvents writes for benchmarks.
//
// Shape: `contacts` contacts of which 20% never have an event; the others' activity is
// heavy-tailed (log-normal weights); 70% of events are purchases of 5–500 (5% of them refunds,
// negative), the rest other goal types and plain events; occurred_at spreads over two years
// in roughly arrival order; 0.5% of events are soft-deleted; properties are ~60 bytes of JSON.
// Not thread safe: one generator per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/model.h"

namespace tally::bench {

struct DatasetOptions {
  std::uint64_t seed = 20240601;
  std::uint64_t contacts = 1'000'000;
  std::uint64_t events = 10'000'000;
  engine::TimeUs end_us = 1'717'200'000'000'000;  // 2024-06-01T00:00:00Z
};

inline constexpr engine::TimeUs kDatasetSpanUs = 2LL * 365 * 86'400 * 1'000'000;

class DatasetGenerator {
 public:
  explicit DatasetGenerator(const DatasetOptions& options);

  // Fills `out` with the next event; false once options.events were produced.
  bool Next(engine::EventInput* out);

  std::uint64_t produced() const { return produced_; }
  static std::string Email(std::uint64_t contact);

 private:
  DatasetOptions options_;
  std::mt19937_64 rng_;
  std::discrete_distribution<std::uint32_t> contact_pick_;  // over the active contacts
  std::uint64_t produced_ = 0;
};

}  // namespace tally::bench
