#include "bench/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "log/assert.h"

namespace tally::bench {
namespace {

constexpr double kLogNormalSigma = 1.6;  // activity weights: a few contacts get thousands of events

// Purchase values: log-normal with a median of 45 and σ 0.9, clamped to 5–500 (about 1% of
// draws fall outside and land on a bound).
constexpr double kPurchaseMedian = 45.0;
constexpr double kPurchaseSigma = 0.9;
constexpr double kPurchaseMin = 5.0;
constexpr double kPurchaseMax = 500.0;
constexpr double kRefundShare = 0.05;
constexpr double kGoalNameShare = 0.3;  // purchases that carry a plan name
constexpr double kDeletedShare = 0.005;

// Events per time unit at the end of the span relative to its start: the density grows
// exponentially, e^(g·x) for x in [0, 1), with e^g = kRecentDensityRatio.
constexpr double kRecentDensityRatio = 4.0;

// Cumulative shares of the goal types, in the issue's order.
constexpr double kPurchaseUpTo = 0.70;
constexpr double kSubscriptionUpTo = 0.78;
constexpr double kSignupUpTo = 0.85;
constexpr double kLeadUpTo = 0.91;
constexpr double kBookingUpTo = 0.95;
constexpr double kTrialUpTo = 0.98;

constexpr double kSubscriptionPlans[] = {9.99, 19.99, 49.99, 99.99};

std::vector<double> ActivityWeights(std::uint64_t active, std::mt19937_64& rng) {
  std::lognormal_distribution<double> weight(0.0, kLogNormalSigma);
  std::vector<double> weights(active);
  for (double& w : weights) w = weight(rng);
  return weights;
}

double Cents(double value) {
  return std::round(value * 100.0) / 100.0;
}

}  // namespace

DatasetGenerator::DatasetGenerator(const DatasetOptions& options)
    : options_(options),
      rng_(options.seed),
      purchase_value_(std::log(kPurchaseMedian), kPurchaseSigma) {
  TALLY_ASSERT(options.contacts >= 2);
  const auto active =
      static_cast<std::uint64_t>(static_cast<double>(options.contacts) * kDatasetActiveShare);
  TALLY_ASSERT(active >= 1 && active < options.contacts);
  const std::vector<double> weights = ActivityWeights(active, rng_);
  contact_pick_ = std::discrete_distribution<std::uint32_t>(weights.begin(), weights.end());
}

std::string DatasetGenerator::Email(std::uint64_t contact) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "user%07llu@example.com",
                static_cast<unsigned long long>(contact));
  return buf;
}

// The n-th event's slot on the two-year span, by the inverse of the exponential density's CDF,
// so that times grow with n (arrival order) and crowd towards the end; the jitter moves an
// event within its own slot only.
engine::TimeUs DatasetGenerator::OccurredAt(std::uint64_t n) {
  const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  const double x = (static_cast<double>(n) + jitter) / static_cast<double>(options_.events);
  const double g = std::log(kRecentDensityRatio);
  const double position = std::log1p(x * (kRecentDensityRatio - 1.0)) / g;
  const auto offset = static_cast<engine::TimeUs>(position * static_cast<double>(kDatasetSpanUs));
  const engine::TimeUs at = options_.end_us - kDatasetSpanUs + std::min(offset, kDatasetSpanUs - 1);
  TALLY_ASSERT(at >= options_.end_us - kDatasetSpanUs && at < options_.end_us);
  return at;
}

void DatasetGenerator::FillGoal(engine::EventInput* out) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double kind = unit(rng_);
  if (kind < kPurchaseUpTo) {
    const bool refund = unit(rng_) < kRefundShare;
    const double value = Cents(std::clamp(purchase_value_(rng_), kPurchaseMin, kPurchaseMax));
    out->event_name = refund ? "order.refunded" : "order.completed";
    out->goal_type = "purchase";
    out->goal_value = refund ? -value : value;
    if (unit(rng_) < kGoalNameShare) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "plan_%d", static_cast<int>(value) % 5);
      out->goal_name = buf;
    }
  } else if (kind < kSubscriptionUpTo) {
    out->event_name = "subscription.renewed";
    out->goal_type = "subscription";
    out->goal_value = kSubscriptionPlans[rng_() % std::size(kSubscriptionPlans)];
  } else if (kind < kSignupUpTo) {
    out->event_name = "user.signed_up";
    out->goal_type = "signup";
  } else if (kind < kLeadUpTo) {
    out->event_name = "lead.captured";
    out->goal_type = "lead";
    if (unit(rng_) < 0.5) out->goal_value = Cents(10.0 + unit(rng_) * 190.0);
  } else if (kind < kBookingUpTo) {
    out->event_name = "booking.confirmed";
    out->goal_type = "booking";
  } else if (kind < kTrialUpTo) {
    out->event_name = "trial.started";
    out->goal_type = "trial";
  } else {
    out->event_name = "survey.completed";
    out->goal_type = "other";
  }
}

bool DatasetGenerator::Next(engine::EventInput* out) {
  if (produced_ == options_.events) return false;
  const std::uint64_t n = produced_++;
  *out = engine::EventInput();
  // Active contacts are the lowest 80% of ids; the rest never appear.
  last_contact_ = contact_pick_(rng_);
  out->email = Email(last_contact_);
  out->occurred_at = OccurredAt(n);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "ev_%011llu", static_cast<unsigned long long>(n));
  out->external_id = buf;
  FillGoal(out);
  const auto sku = std::uniform_int_distribution<int>(0, 999'999)(rng_);
  std::snprintf(buf, sizeof(buf), R"({"sku":"SKU-%06d","qty":%d,"channel":"%s","ok":true})", sku,
                1 + sku % 4, sku % 3 == 0 ? "web" : "app");
  out->properties_json = buf;
  if (std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < kDeletedShare) {
    out->deleted_at = out->occurred_at;
  }
  return true;
}

}  // namespace tally::bench
