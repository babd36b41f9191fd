// GoalEventBuckets (engine/goal_event_buckets.h) against a plain list of elements: after every
// random insert, erase and row erasure, with buckets small enough to split and merge often,
// every range scan visits every element in range exactly once, marks as inside only buckets
// whose elements all lie in the range, and the size and bucket count stay consistent.
#include "engine/goal_event_buckets.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/random_seed.h"

namespace tally::engine {
namespace {

struct Element {
  TimeUs at = 0;
  std::int64_t cents = 0;
  std::uint32_t row = 0;
  std::uint32_t any_row = 0;

  auto Key() const { return std::tie(at, cents, row, any_row); }
  bool operator<(const Element& other) const { return Key() < other.Key(); }
  bool operator==(const Element& other) const { return Key() == other.Key(); }
};

// The elements a scan of [lo, hi] visits, checking what it says of whole buckets.
std::vector<Element> Scan(const GoalEventBuckets& buckets, TimeUs lo, TimeUs hi) {
  std::vector<Element> out;
  buckets.ForEachSpan(ClosedTimeBounds{lo, hi}, [&](const GoalEventSpan& span) {
    EXPECT_GT(span.size, 0u);
    for (std::uint32_t i = 0; i < span.size; ++i) {
      const TimeUs at = span.times[i];
      const bool in = at >= lo && at <= hi;
      if (span.inside) {
        EXPECT_TRUE(in) << "inside span holds " << at;
      }
      if (in) out.push_back({at, span.cents[i], span.rows[i], span.any_rows[i]});
    }
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Element> Brute(const std::vector<Element>& all, TimeUs lo, TimeUs hi) {
  std::vector<Element> out;
  for (const Element& e : all) {
    if (e.at >= lo && e.at <= hi) out.push_back(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class GoalEventBucketsTest : public ::testing::Test {
 protected:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  // Times from a narrow set (many ties, runs of one microsecond that cannot be split) or a
  // wide one; values with kNoCents among them.
  Element RandomElement() {
    Element e;
    e.at = Pick(3) == 0 ? 1000 + Pick(4) : Pick(100'000) - 50'000;
    e.cents = Pick(5) == 0 ? kNoCents : Pick(7) - 3;
    e.row = static_cast<std::uint32_t>(Pick(12));
    e.any_row = e.row + 100;
    return e;
  }

  void Step() {
    const int kind = Pick(10);
    if (kind < 6 || all_.empty()) {
      const Element e = RandomElement();
      buckets_.Insert(e.at, e.cents, e.row, e.any_row);
      all_.push_back(e);
    } else if (kind < 9) {
      const std::size_t k = static_cast<std::size_t>(Pick(static_cast<int>(all_.size())));
      buckets_.Erase(all_[k].at, all_[k].cents, all_[k].row);
      all_.erase(all_.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      const std::uint32_t row =
          all_[static_cast<std::size_t>(Pick(static_cast<int>(all_.size())))].row;
      TimeUs oldest = INT64_MAX, newest = INT64_MIN;
      std::uint64_t count = 0;
      for (const Element& e : all_) {
        if (e.row != row) continue;
        oldest = std::min(oldest, e.at);
        newest = std::max(newest, e.at);
        ++count;
      }
      buckets_.EraseRow(row, oldest, newest, count);
      std::erase_if(all_, [&](const Element& e) { return e.row == row; });
    }
  }

  void Check() {
    ASSERT_EQ(buckets_.size(), all_.size());
    if (all_.empty()) {
      EXPECT_EQ(buckets_.bucket_count(), 0u);
      return;
    }
    // Edges on element times (every bucket starts at one), next to them, and open ends.
    std::vector<TimeUs> edges = {INT64_MIN, INT64_MAX};
    for (int i = 0; i < 6; ++i) {
      const TimeUs at = all_[static_cast<std::size_t>(Pick(static_cast<int>(all_.size())))].at;
      edges.insert(edges.end(), {at - 1, at, at + 1});
    }
    for (int i = 0; i < 8; ++i) {
      TimeUs lo = edges[static_cast<std::size_t>(Pick(static_cast<int>(edges.size())))];
      TimeUs hi = edges[static_cast<std::size_t>(Pick(static_cast<int>(edges.size())))];
      if (lo > hi && Pick(4) != 0) std::swap(lo, hi);
      ASSERT_EQ(Scan(buckets_, lo, hi), Brute(all_, lo, hi)) << "[" << lo << ", " << hi << "]";
      std::uint64_t in_range = Brute(all_, lo, hi).size();
      EXPECT_GE(buckets_.SizeOverlapping(ClosedTimeBounds{lo, hi}), in_range);
    }
  }

  std::mt19937_64 rng_;
  GoalEventBuckets buckets_{4};
  std::vector<Element> all_;
};

TEST_F(GoalEventBucketsTest, ScansMatchAPlainListAfterEveryInsertEraseAndRowErasure) {
  const RandomSeed random_seed("TALLY_GOAL_BUCKETS_SEED");
  SCOPED_TRACE(random_seed.replay_hint());
  const std::uint64_t seed = random_seed.value();
  rng_.seed(seed);
  std::size_t most_buckets = 0;
  for (int step = 0; step < 4000; ++step) {
    Step();
    most_buckets = std::max(most_buckets, buckets_.bucket_count());
    ASSERT_NO_FATAL_FAILURE(Check()) << "after step " << step;
  }
  // Splits must have happened, or the scans proved little about bucket edges.
  EXPECT_GT(most_buckets, 10u);
}

TEST(GoalEventBucketsEdgeTest, EventsOfOneMicrosecondStayInOneBucketBeyondTheLimit) {
  GoalEventBuckets buckets(4);
  for (std::uint32_t i = 0; i < 100; ++i) buckets.Insert(7, i, i, i);
  EXPECT_EQ(buckets.bucket_count(), 1u);
  for (std::uint32_t i = 0; i < 200; ++i) buckets.Insert(8 + i, 0, 0, 0);
  EXPECT_GT(buckets.bucket_count(), 10u);
  std::uint64_t at_seven = 0;
  buckets.ForEachSpan(ClosedTimeBounds{7, 7}, [&](const GoalEventSpan& span) {
    for (std::uint32_t i = 0; i < span.size; ++i) at_seven += span.times[i] == 7 ? 1 : 0;
  });
  EXPECT_EQ(at_seven, 100u);
}

TEST(GoalEventBucketsEdgeTest, TheLastEraseFreesEveryBucket) {
  GoalEventBuckets buckets(4);
  for (std::uint32_t i = 0; i < 50; ++i) buckets.Insert(i, 1, 0, 0);
  EXPECT_GT(buckets.bucket_count(), 5u);
  for (std::uint32_t i = 0; i < 50; ++i) buckets.Erase(i, 1, 0);
  EXPECT_EQ(buckets.size(), 0u);
  EXPECT_EQ(buckets.bucket_count(), 0u);
  buckets.Insert(3, 1, 0, 0);
  EXPECT_EQ(buckets.bucket_count(), 1u);
}

}  // namespace
}  // namespace tally::engine
