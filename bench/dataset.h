// Dataset: a deterministic (seeded) stream of realistic customEvents writes for benchmarks, the
// one data set behind the engine and segment benchmarks, bench/dataset_gen's PostgreSQL COPY
// files and NDJSON, and therefore the PostgreSQL comparison of bench/run (issue 7).
//
// Shape: `contacts` contact ids of which the last 20% never have an event; the first 80% have
// log-normally distributed activity weights (a few contacts get thousands of events). Every
// event has a goal type: 70% purchases (values 5–500, log-normal with a median of ~45; 5% of
// them refunds with a negative value), 8% subscriptions, 7% signups, 6% leads (half with a
// value), 4% bookings, 3% trials, 2% other. occurred_at covers the two years before `end_us`
// with a density that grows towards the end (four times as dense at the end as at the start),
// in arrival order up to one slot of jitter. 0.5% of events are soft-deleted; properties are
// ~60 bytes of JSON.
//
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

// Bumped whenever the same options start producing different events, so that logs and files
// cached from an older shape are never mistaken for the current one (bench/run keys its cache
// directory on it).
inline constexpr int kDatasetVersion = 2;

// The share of contact ids (the lowest ones) that ever emit an event.
inline constexpr double kDatasetActiveShare = 0.8;

class DatasetGenerator {
 public:
  explicit DatasetGenerator(const DatasetOptions& options);

  // Fills `out` with the next event; false once options.events were produced.
  bool Next(engine::EventInput* out);

  std::uint64_t produced() const { return produced_; }
  // The contact id behind the last event Next produced (Email(id) is its email).
  std::uint64_t last_contact() const { return last_contact_; }
  static std::string Email(std::uint64_t contact);

 private:
  engine::TimeUs OccurredAt(std::uint64_t n);
  void FillGoal(engine::EventInput* out);

  DatasetOptions options_;
  std::mt19937_64 rng_;
  std::discrete_distribution<std::uint32_t> contact_pick_;  // over the active contacts
  std::lognormal_distribution<double> purchase_value_;
  std::uint64_t produced_ = 0;
  std::uint64_t last_contact_ = 0;
};

}  // namespace tally::bench
