// The goal columns (engine/goal_columns.h) as the goal index keeps them: after every random
// insert, update (remove + add), delete, restore, move between contacts and erasure, each
// contact's rows equal aggregates recomputed from its live events, point at its series and back
// at the contact, the free rows are exactly those no contact holds, and each goal type's event
// buckets hold exactly its live events with their contacts' rows. Plus EmailPrefix's
// order and SegmentSample against sort-and-truncate.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_columns.h"
#include "engine/goal_index.h"
#include "engine/segment_sample.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "tests/engine/goal_index_fixture.h"
#include "tests/engine/random_seed.h"

namespace tally::engine {
namespace {

class GoalColumnsTest : public GoalIndexFixture {
 protected:
  void SetUp() override { AddContacts(6); }

  // Few distinct times and values, so that removed events often hold a row's extremes and
  // ties are common.
  void Randomize(EventState& state) {
    state.goal_type = static_cast<GoalType>(1 + Pick(3));
    state.goal_name = Pick(3) == 0 ? interner_.Intern("gold") : nullptr;
    state.goal_value_cents = Pick(4) == 0 ? kNoCents : (Pick(5) - 1) * 1000;
    state.occurred_at = kGoalFixtureBaseUs + Pick(6) * 1'000'000;
  }

  GoalFixtureEvent* PickEvent(bool live) {
    std::vector<GoalFixtureEvent*> candidates;
    for (GoalFixtureEvent& e : events_) {
      if (e.live == live) candidates.push_back(&e);
    }
    return candidates.empty()
               ? nullptr
               : candidates[static_cast<std::size_t>(Pick(static_cast<int>(candidates.size())))];
  }

  void Step() {
    const int kind = Pick(12);
    if (kind < 4 || events_.empty()) {
      GoalFixtureEvent e;
      e.contact = PickContact();
      e.state->seq = next_seq_++;
      Randomize(*e.state);
      Add(e);
      events_.push_back(std::move(e));
    } else if (kind < 6) {
      if (GoalFixtureEvent* e = PickEvent(true)) Remove(*e);  // delete
    } else if (kind < 7) {
      if (GoalFixtureEvent* e = PickEvent(false)) Add(*e);  // restore
    } else if (kind < 9) {
      if (GoalFixtureEvent* e = PickEvent(true)) {  // a newer write changes its fields
        Remove(*e);
        Randomize(*e->state);
        Add(*e);
      }
    } else if (kind < 11) {
      if (GoalFixtureEvent* e = PickEvent(true)) {  // a write moves it to another email
        Remove(*e);
        e->contact = PickContact();
        Add(*e);
      }
    } else {
      // An erasure drops the contact with its events; the email may come back later.
      const auto c = PickContact();
      RemoveContactGoalRows(stripe_, contacts_[c]->second);
      contacts_[c]->second = ContactState();
      std::erase_if(events_, [&](const GoalFixtureEvent& e) { return e.contact == c; });
    }
  }

  // The goal type's event buckets hold exactly its live events, each with the rows of its
  // contact; the any-goal-type column has none of its own.
  void CheckBuckets(std::size_t k) {
    using Element = std::tuple<TimeUs, std::int64_t, std::uint32_t, std::uint32_t>;
    std::vector<Element> expected, actual;
    if (k != kAnyGoalColumn) {
      for (const GoalFixtureEvent& e : events_) {
        const EventState& s = *e.state;
        if (!e.live || static_cast<std::size_t>(s.goal_type) != k) continue;
        const ContactState& contact = contacts_[e.contact]->second;
        expected.emplace_back(s.occurred_at, s.goal_value_cents, contact.goal_rows[k] - 1,
                              contact.goal_rows[kAnyGoalColumn] - 1);
      }
    }
    const GoalEventBuckets& buckets = stripe_.goal_columns.events[k];
    buckets.ForEachSpan(ClosedTimeBounds{}, [&](const GoalEventSpan& span) {
      EXPECT_TRUE(span.inside);
      for (std::uint32_t i = 0; i < span.size; ++i) {
        actual.emplace_back(span.times[i], span.cents[i], span.rows[i], span.any_rows[i]);
      }
    });
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    ASSERT_EQ(actual, expected) << "buckets of column " << k;
    EXPECT_EQ(buckets.size(), expected.size());
  }

  void CheckColumns() {
    for (std::size_t k = 0; k < kGoalColumnCount; ++k) {
      const GoalColumn& column = stripe_.goal_columns.columns[k];
      std::size_t held = 0;
      for (std::size_t c = 0; c < contacts_.size(); ++c) {
        const ContactEntry& entry = *contacts_[c];
        std::uint32_t count = 0, valued = 0;
        std::int64_t sum = 0, min = INT64_MAX, max = INT64_MIN;
        TimeUs oldest = INT64_MAX, newest = INT64_MIN;
        for (const GoalFixtureEvent& e : events_) {
          const EventState& s = *e.state;
          if (!e.live || e.contact != c) continue;
          if (k != kAnyGoalColumn && static_cast<std::size_t>(s.goal_type) != k) continue;
          ++count;
          oldest = std::min(oldest, s.occurred_at);
          newest = std::max(newest, s.occurred_at);
          if (s.goal_value_cents == kNoCents) continue;
          ++valued;
          sum += s.goal_value_cents;
          min = std::min(min, s.goal_value_cents);
          max = std::max(max, s.goal_value_cents);
        }
        const std::uint32_t row_plus_one = entry.second.goal_rows[k];
        ASSERT_EQ(row_plus_one != 0, count > 0) << "contact " << c << " column " << k;
        if (count == 0) continue;
        ++held;
        const std::uint32_t row = row_plus_one - 1;
        ASSERT_LT(row, column.size());
        EXPECT_EQ(column.rows[row].count, count) << "contact " << c << " column " << k;
        EXPECT_EQ(column.rows[row].valued_count, valued);
        EXPECT_TRUE(column.rows[row].sum_cents == sum);
        if (valued > 0) {
          EXPECT_EQ(column.rows[row].min_cents, min);
          EXPECT_EQ(column.rows[row].max_cents, max);
        }
        EXPECT_EQ(column.rows[row].oldest, oldest);
        EXPECT_EQ(column.rows[row].newest, newest);
        const std::optional<GoalType> type =
            k == kAnyGoalColumn ? std::nullopt : std::optional(static_cast<GoalType>(k));
        EXPECT_EQ(column.refs[row].series, FindGoalSeries(entry.second, type, nullptr));
        EXPECT_EQ(column.refs[row].contact, &entry);
        EXPECT_EQ(column.refs[row].email_prefix, EmailPrefix(entry.first));
      }
      ASSERT_EQ(held + column.free_rows.size(), column.size()) << "column " << k;
      ASSERT_NO_FATAL_FAILURE(CheckBuckets(k));
      for (const std::uint32_t row : column.free_rows) {
        EXPECT_EQ(column.rows[row].count, 0u);
        EXPECT_EQ(column.refs[row].contact, nullptr);
      }
    }
  }

  StringInterner interner_;
};

TEST_F(GoalColumnsTest, RowsEqualLiveEventsAfterEveryWriteMoveAndErasure) {
  const RandomSeed random_seed("TALLY_GOAL_COLUMNS_SEED");
  SCOPED_TRACE(random_seed.replay_hint());
  const std::uint64_t seed = random_seed.value();
  rng_.seed(seed);
  for (int step = 0; step < 3000; ++step) {
    Step();
    ASSERT_NO_FATAL_FAILURE(CheckColumns()) << "after step " << step;
  }
}

TEST_F(GoalColumnsTest, RowsOfAContactThatLosesItsLastEventAreReused) {
  GoalFixtureEvent first;
  first.state->seq = 1;
  first.state->goal_type = GoalType::kPurchase;
  first.state->occurred_at = kGoalFixtureBaseUs;
  Add(first);
  const std::uint32_t row = contacts_[0]->second.goal_rows[1];
  ASSERT_NE(row, 0u);
  Remove(first);
  EXPECT_EQ(contacts_[0]->second.goal_rows[1], 0u);
  EXPECT_EQ(stripe_.goal_columns.columns[1].free_rows.size(), 1u);
  GoalFixtureEvent second;
  second.contact = 1;
  second.state->seq = 2;
  second.state->goal_type = GoalType::kPurchase;
  second.state->occurred_at = kGoalFixtureBaseUs;
  Add(second);
  EXPECT_EQ(contacts_[1]->second.goal_rows[1], row);
  EXPECT_EQ(stripe_.goal_columns.columns[1].size(), 1u);
  EXPECT_TRUE(stripe_.goal_columns.columns[1].free_rows.empty());
}

TEST(EmailPrefixTest, SmallerPrefixMeansSmallerEmail) {
  std::mt19937_64 rng(7);
  const std::string alphabet = std::string("ab.@z") + '\x7f' + '\x80' + '\xff';
  auto random_email = [&] {
    std::string s;
    for (int i = 0, n = static_cast<int>(rng() % 12); i < n; ++i) s += alphabet[rng() % 8];
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string a = random_email();
    const std::string b = random_email();
    if (EmailPrefix(a) < EmailPrefix(b)) {
      ASSERT_LT(a, b);
    }
    if (a < b) {
      ASSERT_LE(EmailPrefix(a), EmailPrefix(b)) << a << " " << b;
    }
  }
}

TEST(SegmentSampleTest, KeepsTheSmallestEmailsAndCopiesThemBeforeTheirStorageChanges) {
  std::mt19937_64 rng(11);
  for (std::size_t limit : {0, 1, 3, 20}) {
    SegmentSample sample(limit);
    std::vector<std::string> all;
    for (int batch = 0; batch < 10; ++batch) {
      // Long common prefixes make prefixes tie, so full texts decide.
      std::vector<std::string> storage;
      for (int i = 0; i < 50; ++i) {
        std::string email = "user_";
        email += std::to_string(rng() % 1000);
        email += "@x.io";
        storage.push_back(std::move(email));
      }
      for (const std::string& email : storage) sample.Offer(EmailPrefix(email), email);
      sample.Own();
      all.insert(all.end(), storage.begin(), storage.end());
      for (std::string& email : storage) email.assign(40, '~');
    }
    std::sort(all.begin(), all.end());
    all.resize(std::min(all.size(), limit));
    EXPECT_EQ(sample.TakeSorted(), all) << "limit " << limit;
  }
}

}  // namespace
}  // namespace tally::engine
