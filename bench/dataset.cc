#include "bench/dataset.h"

#include <cstdio>

namespace tally::bench {
namespace {

constexpr double kActiveShare = 0.8;
constexpr double kLogNormalSigma = 1.6;  // a few contacts get thousands of events

std::vector<double> ActivityWeights(std::uint64_t active, std::mt19937_64& rng) {
  std::lognormal_distribution<double> weight(0.0, kLogNormalSigma);
  std::vector<double> weights(active);
  for (double& w : weights) w = weight(rng);
  return weights;
}

}  // namespace

DatasetGenerator::DatasetGenerator(const DatasetOptions& options)
    : options_(options), rng_(options.seed) {
  const auto active =
      static_cast<std::uint64_t>(static_cast<double>(options.contacts) * kActiveShare);
  const std::vector<double> weights = ActivityWeights(active, rng_);
  contact_pick_ = std::discrete_distribution<std::uint32_t>(weights.begin(), weights.end());
}

std::string DatasetGenerator::Email(std::uint64_t contact) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "user%07llu@example.com",
                static_cast<unsigned long long>(contact));
  return buf;
}

bool DatasetGenerator::Next(engine::EventInput* out) {
  if (produced_ == options_.events) return false;
  const std::uint64_t n = produced_++;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  *out = engine::EventInput();
  // Active contacts are the first 80% of ids; the rest never appear.
  out->email = Email(contact_pick_(rng_));
  const engine::TimeUs start = options_.end_us - kDatasetSpanUs;
  const auto step = kDatasetSpanUs / static_cast<engine::TimeUs>(options_.events);
  const auto jitter = std::uniform_int_distribution<engine::TimeUs>(0, 3'600'000'000)(rng_);
  out->occurred_at = start + static_cast<engine::TimeUs>(n) * step + jitter;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "ev_%011llu", static_cast<unsigned long long>(n));
  out->external_id = buf;
  const double kind = unit(rng_);
  const auto cents = std::uniform_int_distribution<int>(500, 50'000)(rng_);
  if (kind < 0.70) {
    const bool refund = unit(rng_) < 0.05;
    out->event_name = refund ? "order.refunded" : "order.completed";
    out->goal_type = "purchase";
    out->goal_value = (refund ? -cents : cents) / 100.0;
    if (unit(rng_) < 0.3) {
      std::snprintf(buf, sizeof(buf), "plan_%d", cents % 5);
      out->goal_name = buf;
    }
  } else if (kind < 0.75) {
    out->event_name = "subscription.renewed";
    out->goal_type = "subscription";
    out->goal_value = (cents % 10'000) / 100.0 + 10;
  } else if (kind < 0.80) {
    out->event_name = "lead.captured";
    out->goal_type = "lead";
  } else if (kind < 0.85) {
    out->event_name = "trial.started";
    out->goal_type = unit(rng_) < 0.5 ? "trial" : "signup";
  } else {
    out->event_name = "page.view";
  }
  std::snprintf(buf, sizeof(buf), R"({"sku":"SKU-%06d","qty":%d,"channel":"%s","ok":true})", cents,
                1 + cents % 4, cents % 3 == 0 ? "web" : "app");
  out->properties_json = buf;
  if (unit(rng_) < 0.005) out->deleted_at = out->occurred_at;
  return true;
}

}  // namespace tally::bench
