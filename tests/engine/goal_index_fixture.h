// GoalIndexFixture: a stripe with a few contacts, and goal events added to and removed from its
// goal index (engine/goal_index.h) directly, for the tests that check the goal columns and
// their time buckets against the contacts' own goal series. Each test decides how its events
// look (its own Randomize) and how they change.
//
// Thread safety: none; one fixture per test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_index.h"
#include "engine/workspace.h"
#include "tests/engine/numbered.h"

namespace tally::engine {

inline constexpr TimeUs kGoalFixtureBaseUs = 1'717'200'000'000'000;

struct GoalFixtureEvent {
  std::unique_ptr<EventState> state = std::make_unique<EventState>();
  std::size_t contact = 0;
  bool live = false;
};

class GoalIndexFixture : public ::testing::Test {
 protected:
  // Creates `count` contacts named contact<i>@x.io.
  void AddContacts(int count) {
    for (int i = 0; i < count; ++i) {
      std::string email = Numbered("contact", i);
      email += "@x.io";
      contacts_.push_back(&*stripe_.contacts.try_emplace(email).first);
    }
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::size_t PickContact() {
    return static_cast<std::size_t>(Pick(static_cast<int>(contacts_.size())));
  }

  void Add(GoalFixtureEvent& e) {
    e.state->contact = contacts_[e.contact];
    AddGoalEvent(stripe_, *contacts_[e.contact], *e.state);
    e.live = true;
  }
  void Remove(GoalFixtureEvent& e) {
    RemoveGoalEvent(stripe_, *contacts_[e.contact], *e.state);
    e.live = false;
  }

  std::mt19937_64 rng_;
  Stripe stripe_;
  std::vector<ContactEntry*> contacts_;
  std::vector<GoalFixtureEvent> events_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace tally::engine
