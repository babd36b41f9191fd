// EvaluateSegment against a brute-force evaluation written straight from the contract: every
// goal type / goal_name / aggregate / operator / timeframe combination, timeline leaves, and
// random trees with and/or/not, over seeded random contacts. Amounts are compared as exact
// rationals in integers, independently of SegmentValue and GoalSeries. PreviewSegment, which
// decides leaves from the goal columns, is compared with both over random trees and contacts,
// and over range leaves with random windows on contacts with many events (the goal event
// buckets), while events are deleted, restored and moved.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/goal_index.h"
#include "engine/goal_type.h"
#include "engine/segment_preview.h"
#include "engine/time_format.h"
#include "engine/workspace.h"
#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

constexpr TimeUs kHourUs = 3600 * kTestSecondUs;

// GCC's 128-bit integer; __extension__ keeps -Wpedantic quiet about the non-ISO type.
__extension__ typedef __int128 Int128;

// A timeframe value with the instant it denotes in UTC.
struct TimeArg {
  std::string text;
  bool date_only = false;
  TimeUs us = 0;  // an instant, or the start of the UTC day
};

struct TimeframeSpec {
  std::string op;
  std::vector<TimeArg> args;
  std::int64_t days = 0;
};

struct GoalSpec {
  std::string goal_type;  // a goal type name or "*"
  std::string goal_name;
  std::string aggregate;
  std::string compare;
  std::int64_t milli = 0;  // value × 1000
  std::int64_t milli_2 = 0;
  TimeframeSpec timeframe;
};

struct TimelineSpec {
  std::string kind;
  std::string compare;
  std::uint64_t count = 0;
  TimeframeSpec timeframe;
};

std::string MilliText(std::int64_t milli) {
  const std::int64_t magnitude = milli < 0 ? -milli : milli;
  std::string out = milli < 0 ? "-" : "";
  out += std::to_string(magnitude / 1000);
  out += '.';
  out += std::to_string(1000 + magnitude % 1000).substr(1);
  return out;
}

std::string TimeframeFields(const TimeframeSpec& t) {
  std::string out = R"("timeframe_operator":")" + t.op + R"(","timeframe_values":[)";
  std::vector<std::string> values;
  if (t.op == "in_the_last_days") values.push_back(std::to_string(t.days));
  for (const TimeArg& arg : t.args) values.push_back(arg.text);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += values[i];
    out += '"';
  }
  out += ']';
  return out;
}

std::string Json(const GoalSpec& g) {
  std::string fields = R"("goal_type":")" + g.goal_type + R"(","aggregate_operator":")" +
                       g.aggregate + R"(","operator":")" + g.compare + R"(","value":)" +
                       MilliText(g.milli) + "," + TimeframeFields(g.timeframe);
  if (!g.goal_name.empty()) fields += R"(,"goal_name":")" + g.goal_name + "\"";
  if (g.compare == "between") fields += R"(,"value_2":)" + MilliText(g.milli_2);
  return GoalLeafJson(fields);
}

std::string Json(const TimelineSpec& t) {
  return TimelineLeafJson(R"("kind":")" + t.kind + R"(","count_operator":")" + t.compare +
                          R"(","count_value":)" + std::to_string(t.count) + "," +
                          TimeframeFields(t.timeframe));
}

// The contract's timeframe table, in UTC.
bool BruteInTimeframe(const TimeframeSpec& t, TimeUs at, TimeUs now) {
  auto start = [](const TimeArg& a) { return a.us; };
  auto day_end = [](const TimeArg& a) { return a.us + kTestDayUs; };  // start of next day
  if (t.op == "anytime") return true;
  if (t.op == "in_the_last_days") return at > now - t.days * kTestDayUs;
  if (t.op == "in_date_range") {
    const TimeArg& b = t.args[1];
    return at >= start(t.args[0]) && (b.date_only ? at < day_end(b) : at <= b.us);
  }
  const TimeArg& a = t.args[0];
  if (t.op == "before_date") return at < a.us;
  return a.date_only ? at >= day_end(a) : at > a.us;  // after_date
}

// amount = num / den hundredths (den > 0) against milli / 10 hundredths.
bool BruteCompare(const std::string& op, Int128 num, Int128 den, std::int64_t milli,
                  std::int64_t milli_2) {
  const Int128 lhs = num * 10;
  if (op == "gte") return lhs >= Int128{milli} * den;
  if (op == "lte") return lhs <= Int128{milli} * den;
  if (op == "eq") return lhs == Int128{milli} * den;
  return lhs >= Int128{milli} * den && lhs <= Int128{milli_2} * den;  // between
}

bool BruteGoal(const GoalSpec& g, const PlainContact& contact, TimeUs now) {
  std::int64_t count = 0, valued = 0, sum = 0;
  std::int64_t min = INT64_MAX, max = INT64_MIN;
  for (const PlainEvent& e : contact.events) {
    if (e.deleted || e.goal_type == GoalType::kNone) continue;
    if (g.goal_type != "*" && GoalTypeName(e.goal_type) != g.goal_type) continue;
    if (!g.goal_name.empty() && e.goal_name != g.goal_name) continue;
    if (!BruteInTimeframe(g.timeframe, e.occurred_at, now)) continue;
    ++count;
    if (e.cents) {
      ++valued;
      sum += *e.cents;
      min = std::min(min, *e.cents);
      max = std::max(max, *e.cents);
    }
  }
  if (count == 0) return false;
  if (g.aggregate == "count") return BruteCompare(g.compare, count * 100, 1, g.milli, g.milli_2);
  if (g.aggregate == "sum") return BruteCompare(g.compare, sum, 1, g.milli, g.milli_2);
  if (valued == 0) return false;
  if (g.aggregate == "avg") return BruteCompare(g.compare, sum, valued, g.milli, g.milli_2);
  return BruteCompare(g.compare, g.aggregate == "min" ? min : max, 1, g.milli, g.milli_2);
}

bool BruteTimeline(const TimelineSpec& t, const PlainContact& contact, TimeUs now) {
  std::uint64_t count = 0;
  for (const PlainTimelineEntry& entry : contact.timeline) {
    if (entry.kind == t.kind && BruteInTimeframe(t.timeframe, entry.created_at, now)) ++count;
  }
  if (t.compare == "at_least") return count >= t.count;
  if (t.compare == "at_most") return count <= t.count;
  return count == t.count;
}

std::vector<TimeframeSpec> Timeframes() {
  const TimeUs may10 = UtcDayUs(2024, 5, 10);
  return {
      {"anytime", {}, 0},
      {"in_the_last_days", {}, 7},
      {"in_the_last_days", {}, 30},
      {"in_date_range",
       {{"2024-05-01", true, UtcDayUs(2024, 5, 1)}, {"2024-05-15", true, UtcDayUs(2024, 5, 15)}},
       0},
      {"in_date_range",
       {{"2024-05-01T12:00:00Z", false, UtcDayUs(2024, 5, 1) + 12 * kHourUs},
        {"2024-05-15T12:00:00Z", false, UtcDayUs(2024, 5, 15) + 12 * kHourUs}},
       0},
      {"in_date_range",
       {{"2024-05-10", true, may10}, {"2024-05-10T12:00:00Z", false, may10 + 12 * kHourUs}},
       0},
      {"before_date", {{"2024-05-10", true, may10}}, 0},
      {"before_date", {{"2024-05-10T12:00:00Z", false, may10 + 12 * kHourUs}}, 0},
      {"after_date", {{"2024-05-10", true, may10}}, 0},
      {"after_date", {{"2024-05-10T12:00:00Z", false, may10 + 12 * kHourUs}}, 0},
  };
}

// Times that sit on every boundary above, and around them.
std::vector<TimeUs> InterestingTimes() {
  std::vector<TimeUs> out;
  for (TimeUs base :
       {kTestNowUs, kTestNowUs - 7 * kTestDayUs, kTestNowUs - 30 * kTestDayUs, UtcDayUs(2024, 5, 1),
        UtcDayUs(2024, 5, 1) + 12 * kHourUs, UtcDayUs(2024, 5, 10),
        UtcDayUs(2024, 5, 10) + 12 * kHourUs, UtcDayUs(2024, 5, 11),
        UtcDayUs(2024, 5, 15) + 12 * kHourUs, UtcDayUs(2024, 5, 16)}) {
    out.insert(out.end(), {base - 1, base, base + 1});
  }
  return out;
}

PlainContact RandomContact(std::mt19937_64& rng) {
  static const std::vector<TimeUs> interesting = InterestingTimes();
  PlainContact contact;
  const int events = static_cast<int>(rng() % 8);
  for (int i = 0; i < events; ++i) {
    PlainEvent e;
    e.goal_type = static_cast<GoalType>(rng() % 4);  // none, purchase, subscription, lead
    e.goal_name = std::vector<std::string>{"", "gold", "silver"}[rng() % 3];
    if (rng() % 4 != 0) {
      // Multiples of 2.5 cents would make avg land on .5; small spread makes eq plausible.
      e.cents = std::vector<std::int64_t>{0, 3, 10000, 10001, 25000, -5000, 30}[rng() % 7];
    }
    e.occurred_at = rng() % 2
                        ? interesting[rng() % interesting.size()]
                        : kTestNowUs - static_cast<TimeUs>(rng() % (60 * kTestDayUs)) + kTestDayUs;
    e.deleted = rng() % 5 == 0;
    contact.events.push_back(e);
  }
  const int entries = static_cast<int>(rng() % 5);
  for (int i = 0; i < entries; ++i) {
    contact.timeline.push_back({rng() % 2 ? "custom_event.orders" : "contact.created",
                                interesting[rng() % interesting.size()]});
  }
  return contact;
}

std::vector<PlainContact> RandomContacts(std::uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<PlainContact> contacts;
  for (int i = 0; i < n; ++i) contacts.push_back(RandomContact(rng));
  return contacts;
}

TEST(SegmentEvalBruteTest, EveryGoalLeafCombinationMatchesBruteForce) {
  const std::vector<PlainContact> contacts = RandomContacts(20240601, 40);
  const std::vector<std::pair<std::int64_t, std::int64_t>> values = {
      {0, 0},       {100'000, 250'000}, {100'005, 100'010}, {30, 100'000},
      {-50'000, 0}, {-50'005, -30},     {1'000, 3'000},     {2'500, 2'500}};
  std::size_t checked = 0, matched = 0;
  for (const char* type : {"purchase", "subscription", "*"}) {
    for (const char* name : {"", "gold"}) {
      for (const char* aggregate : {"sum", "count", "avg", "min", "max"}) {
        for (const char* compare : {"gte", "lte", "eq", "between"}) {
          for (const TimeframeSpec& timeframe : Timeframes()) {
            for (const auto& [milli, milli_2] : values) {
              const GoalSpec spec{type, name, aggregate, compare, milli, milli_2, timeframe};
              const SegmentTree tree = MustParse(Json(spec));
              for (const PlainContact& contact : contacts) {
                const bool expected = BruteGoal(spec, contact, kTestNowUs);
                ASSERT_EQ(EvaluateSegment(tree, PlainContactFacts(contact), kTestNowUs), expected)
                    << Json(spec) << " contact #" << (&contact - contacts.data());
                ++checked;
                matched += expected;
              }
            }
          }
        }
      }
    }
  }
  // The data must exercise both outcomes, or the comparison proves nothing.
  EXPECT_GT(matched, checked / 20);
  EXPECT_LT(matched, checked - checked / 20);
}

TEST(SegmentEvalBruteTest, EveryTimelineLeafCombinationMatchesBruteForce) {
  const std::vector<PlainContact> contacts = RandomContacts(7, 40);
  std::size_t checked = 0, matched = 0;
  for (const char* kind : {"custom_event.orders", "contact.created", "custom_event.none"}) {
    for (const char* compare : {"at_least", "at_most", "exactly"}) {
      for (std::uint64_t count : {0, 1, 2, 4}) {
        for (const TimeframeSpec& timeframe : Timeframes()) {
          const TimelineSpec spec{kind, compare, count, timeframe};
          const SegmentTree tree = MustParse(Json(spec));
          for (const PlainContact& contact : contacts) {
            const bool expected = BruteTimeline(spec, contact, kTestNowUs);
            ASSERT_EQ(EvaluateSegment(tree, PlainContactFacts(contact), kTestNowUs), expected)
                << Json(spec);
            ++checked;
            matched += expected;
          }
        }
      }
    }
  }
  EXPECT_GT(matched, checked / 20);
  EXPECT_LT(matched, checked - checked / 20);
}

// A random tree as JSON together with its brute-force evaluation.
struct RandomTree {
  std::string json;
  std::function<bool(const PlainContact&, TimeUs)> brute;
};

RandomTree MakeRandomTree(std::mt19937_64& rng, int depth) {
  static const std::vector<TimeframeSpec> timeframes = Timeframes();
  if (depth == 0 || rng() % 3 == 0) {
    if (rng() % 4 == 0) {
      TimelineSpec spec{rng() % 2 ? "custom_event.orders" : "contact.created",
                        std::vector<std::string>{"at_least", "at_most", "exactly"}[rng() % 3],
                        rng() % 3, timeframes[rng() % timeframes.size()]};
      return {Json(spec),
              [spec](const PlainContact& c, TimeUs now) { return BruteTimeline(spec, c, now); }};
    }
    const std::int64_t milli = static_cast<std::int64_t>(rng() % 5) * 50'000 - 50'000;
    GoalSpec spec{std::vector<std::string>{"purchase", "subscription", "*"}[rng() % 3],
                  rng() % 3 == 0 ? "gold" : "",
                  std::vector<std::string>{"sum", "count", "avg", "min", "max"}[rng() % 5],
                  std::vector<std::string>{"gte", "lte", "eq", "between"}[rng() % 4],
                  milli,
                  milli + static_cast<std::int64_t>(rng() % 3) * 100'000,
                  timeframes[rng() % timeframes.size()]};
    if (spec.aggregate == "count") spec.milli = static_cast<std::int64_t>(rng() % 3) * 1000;
    if (spec.aggregate == "count") spec.milli_2 = spec.milli + 2000;
    return {Json(spec),
            [spec](const PlainContact& c, TimeUs now) { return BruteGoal(spec, c, now); }};
  }
  const int op = static_cast<int>(rng() % 3);
  if (op == 2) {
    RandomTree child = MakeRandomTree(rng, depth - 1);
    return {BranchJson("not", {child.json}),
            [brute = child.brute](const PlainContact& c, TimeUs now) { return !brute(c, now); }};
  }
  std::vector<RandomTree> children;
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) children.push_back(MakeRandomTree(rng, depth - 1));
  std::vector<std::string> jsons;
  for (const RandomTree& child : children) jsons.push_back(child.json);
  return {BranchJson(op == 0 ? "and" : "or", jsons),
          [children, op](const PlainContact& c, TimeUs now) {
            bool result = op == 0;
            for (const RandomTree& child : children) {
              result = op == 0 ? result && child.brute(c, now) : result || child.brute(c, now);
            }
            return result;
          }};
}

// TALLY_SEGMENT_SEED=<n> replays one seed.
std::uint64_t TestSeed() {
  const char* env = std::getenv("TALLY_SEGMENT_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
}

TEST(SegmentEvalBruteTest, RandomTreesWithNotMatchBruteForce) {
  const std::uint64_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay with TALLY_SEGMENT_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 rng(seed);
  const std::vector<PlainContact> contacts = RandomContacts(seed, 30);
  for (int i = 0; i < 300; ++i) {
    const RandomTree tree = MakeRandomTree(rng, 4);
    const SegmentTree parsed = MustParse(tree.json);
    for (const PlainContact& contact : contacts) {
      for (TimeUs now : {kTestNowUs, kTestNowUs + 5 * kTestDayUs}) {
        ASSERT_EQ(EvaluateSegment(parsed, PlainContactFacts(contact), now),
                  tree.brute(contact, now))
            << tree.json;
      }
    }
  }
}

// The contacts stored in a workspace's stripes (goal series, goal columns, timeline), each with
// its plain vectors; contacts with a live goal event exist (D7), a few others do not.
class StoredWorkspace {
 public:
  explicit StoredWorkspace(const std::vector<PlainContact>& contacts, std::mt19937_64& rng) {
    const std::string* orders = interner_.Intern("orders");
    for (std::size_t i = 0; i < contacts.size(); ++i) {
      // Appended piece by piece: GCC 12's -Wrestrict misfires on chains of operator+.
      std::string email = "c";
      email += std::to_string(rng() % 100'000);
      email += '_';
      email += std::to_string(i);
      Stripe& stripe = ws_.stripes[ContactStripe(email)];
      ContactEntry& entry = *stripe.contacts.try_emplace(email).first;
      bool live_goal = false;
      std::size_t events_in_contact = 0;
      for (const PlainEvent& e : contacts[i].events) {
        auto event = std::make_unique<EventEntry>(EventKey{orders, std::to_string(events_.size())},
                                                  EventState{});
        EventState& state = event->second;
        state.contact = &entry;
        state.goal_type = e.goal_type;
        state.goal_name = e.goal_name.empty() ? nullptr : interner_.Intern(e.goal_name);
        state.goal_value_cents = e.cents.value_or(kNoCents);
        state.occurred_at = e.occurred_at;
        state.deleted_at = e.deleted ? e.occurred_at : kNoTime;
        state.seq = events_.size();
        if (state.live() && state.goal_type != GoalType::kNone) {
          AddGoalEvent(stripe, entry, state);
          live_goal = true;
        }
        events_.push_back({std::move(event), i, events_in_contact++});
      }
      for (const PlainTimelineEntry& t : contacts[i].timeline) {
        TimelineItem item;
        item.created_at = t.created_at;
        if (t.kind != "contact.created") {
          item.content = std::make_unique<FrozenTimelineEntry>(
              FrozenTimelineEntry{orders, "x", "{}", TimelineOperation::kInsert});
        }
        const auto at = std::upper_bound(entry.second.timeline.begin(), entry.second.timeline.end(),
                                         item, [](const TimelineItem& a, const TimelineItem& b) {
                                           return a.created_at < b.created_at;
                                         });
        entry.second.timeline.insert(at, std::move(item));
      }
      entry.second.exists = live_goal || rng() % 4 != 0;
      if (entry.second.exists) stripe.contacts_count.fetch_add(1, std::memory_order_relaxed);
      stored_.push_back({email, &entry, contacts[i]});
    }
  }

  // Deletes about a third of the live goal events, in the columns and the plain vectors.
  void DeleteSome(std::mt19937_64& rng) {
    for (StoredEvent& event : events_) {
      EventState& state = event.entry->second;
      if (!state.live() || state.goal_type == GoalType::kNone || rng() % 3 != 0) continue;
      Stored& stored = stored_[event.contact];
      RemoveGoalEvent(ws_.stripes[ContactStripe(stored.email)], *stored.entry, state);
      state.deleted_at = state.occurred_at;
      stored.plain.events[event.index].deleted = true;
    }
  }

  // Deletes, restores and moves (to another email) about a tenth of the goal events each, in
  // the columns and the plain vectors. A moved event leaves a deleted copy in its old contact's
  // plain events, which no goal leaf reads.
  void Mutate(std::mt19937_64& rng) {
    for (StoredEvent& event : events_) {
      EventState& state = event.entry->second;
      if (state.goal_type == GoalType::kNone) continue;
      Stored& stored = stored_[event.contact];
      Stripe& stripe = ws_.stripes[ContactStripe(stored.email)];
      const int kind = static_cast<int>(rng() % 10);
      if (kind == 0 && state.live()) {
        RemoveGoalEvent(stripe, *stored.entry, state);
        state.deleted_at = state.occurred_at;
        stored.plain.events[event.index].deleted = true;
      } else if (kind == 1 && !state.live()) {
        state.deleted_at = kNoTime;
        AddGoalEvent(stripe, *stored.entry, state);
        stored.plain.events[event.index].deleted = false;
      } else if (kind == 2 && state.live()) {
        RemoveGoalEvent(stripe, *stored.entry, state);
        const PlainEvent moved = stored.plain.events[event.index];
        stored.plain.events[event.index].deleted = true;
        event.contact = static_cast<std::size_t>(rng() % stored_.size());
        Stored& target = stored_[event.contact];
        Stripe& target_stripe = ws_.stripes[ContactStripe(target.email)];
        state.contact = target.entry;
        AddGoalEvent(target_stripe, *target.entry, state);
        // D7: an email with a live event has a contact.
        if (!target.entry->second.exists) {
          target.entry->second.exists = true;
          target_stripe.contacts_count.fetch_add(1, std::memory_order_relaxed);
        }
        event.index = target.plain.events.size();
        target.plain.events.push_back(moved);
      }
    }
  }

  // Preview against the per-contact evaluator over plain vectors and the brute force.
  void ExpectPreviewMatches(const RandomTree& tree, TimeUs now, std::size_t limit) {
    const SegmentTree parsed = MustParse(tree.json);
    std::vector<std::string> expected;
    for (const Stored& stored : stored_) {
      if (!stored.entry->second.exists) continue;
      const bool matches = EvaluateSegment(parsed, PlainContactFacts(stored.plain), now);
      ASSERT_EQ(matches, tree.brute(stored.plain, now)) << tree.json;
      if (matches) expected.push_back(stored.email);
    }
    std::sort(expected.begin(), expected.end());
    const SegmentPreview preview = PreviewSegment(ws_, interner_, parsed, now, limit);
    ASSERT_EQ(preview.total_count, expected.size()) << tree.json;
    expected.resize(std::min(expected.size(), limit));
    ASSERT_EQ(preview.emails, expected) << tree.json;
    matched_ += preview.total_count;
  }

  std::uint64_t matched() const { return matched_; }

 private:
  struct StoredEvent {
    std::unique_ptr<EventEntry> entry;
    std::size_t contact;  // index in stored_
    std::size_t index;    // in the contact's plain events
  };
  struct Stored {
    std::string email;
    ContactEntry* entry;
    PlainContact plain;
  };

  Workspace ws_{"w"};
  StringInterner interner_;
  std::vector<StoredEvent> events_;
  std::vector<Stored> stored_;
  std::uint64_t matched_ = 0;
};

// A random tree, half the time under an `and` with a goal leaf, so that the preview scans a
// goal column (a root `and` with a goal leaf) as often as it evaluates every contact.
RandomTree MakePreviewTree(std::mt19937_64& rng) {
  RandomTree tree = MakeRandomTree(rng, 3);
  if (rng() % 2 == 0) return tree;
  RandomTree leaf = MakeRandomTree(rng, 0);
  while (leaf.json.find("custom_events_goal\"") == std::string::npos) {
    leaf = MakeRandomTree(rng, 0);
  }
  return {BranchJson("and", {leaf.json, tree.json}),
          [leaf, tree](const PlainContact& c, TimeUs now) {
            return leaf.brute(c, now) && tree.brute(c, now);
          }};
}

TEST(SegmentEvalBruteTest, PreviewOverGoalColumnsMatchesPerContactEvaluation) {
  const std::uint64_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay with TALLY_SEGMENT_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 rng(seed);
  StoredWorkspace ws(RandomContacts(seed, 400), rng);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 250; ++i) {
      const RandomTree tree = MakePreviewTree(rng);
      for (TimeUs now : {kTestNowUs, kTestNowUs + 5 * kTestDayUs}) {
        ASSERT_NO_FATAL_FAILURE(ws.ExpectPreviewMatches(tree, now, 1 + rng() % 8))
            << "round " << round;
      }
    }
    ws.DeleteSome(rng);
  }
  EXPECT_GT(ws.matched(), 1000u);
}

// A contact with 10–40 goal events within 60 days, many of them at times shared with other
// contacts, so that range edges placed on event times split many histories.
PlainContact RandomBusyContact(std::mt19937_64& rng, const std::vector<TimeUs>& shared_times) {
  PlainContact contact;
  const int events = 10 + static_cast<int>(rng() % 31);
  for (int i = 0; i < events; ++i) {
    PlainEvent e;
    e.goal_type = static_cast<GoalType>(1 + rng() % 3);  // purchase, subscription, lead
    e.goal_name = rng() % 4 == 0 ? "gold" : "";
    if (rng() % 6 != 0) e.cents = static_cast<std::int64_t>(rng() % 20'001) - 2'000;
    e.occurred_at = rng() % 2 ? shared_times[rng() % shared_times.size()]
                              : kTestNowUs - static_cast<TimeUs>(rng() % (60 * kTestDayUs));
    e.deleted = rng() % 10 == 0;
    contact.events.push_back(e);
  }
  return contact;
}

// A goal leaf over a random window whose edges are event times, next to them or anywhere.
RandomTree MakeRangeLeaf(std::mt19937_64& rng, const std::vector<TimeUs>& shared_times) {
  auto edge = [&] {
    const TimeUs at = rng() % 4 == 0 ? kTestNowUs - static_cast<TimeUs>(rng() % (60 * kTestDayUs))
                                     : shared_times[rng() % shared_times.size()] +
                                           static_cast<TimeUs>(rng() % 3) - 1;
    return TimeArg{FormatRfc3339(at), false, at};
  };
  TimeframeSpec timeframe;
  switch (rng() % 4) {
    case 0: {
      TimeArg a = edge();
      TimeArg b = edge();
      if (a.us > b.us) std::swap(a, b);
      timeframe = {"in_date_range", {a, b}, 0};
      break;
    }
    case 1: timeframe = {"before_date", {edge()}, 0}; break;
    case 2: timeframe = {"after_date", {edge()}, 0}; break;
    default: timeframe = {"in_the_last_days", {}, 1 + static_cast<std::int64_t>(rng() % 40)};
  }
  GoalSpec spec{std::vector<std::string>{"purchase", "subscription", "*"}[rng() % 3],
                rng() % 5 == 0 ? "gold" : "",
                std::vector<std::string>{"sum", "count", "avg", "min", "max"}[rng() % 5],
                std::vector<std::string>{"gte", "lte", "eq", "between"}[rng() % 4],
                static_cast<std::int64_t>(rng() % 8) * 10'000 - 10'000,
                0,
                timeframe};
  spec.milli_2 = spec.milli + static_cast<std::int64_t>(rng() % 4) * 20'000;
  if (spec.aggregate == "count") {
    spec.milli = static_cast<std::int64_t>(rng() % 6) * 1000;
    spec.milli_2 = spec.milli + static_cast<std::int64_t>(rng() % 3) * 1000;
  }
  return {Json(spec),
          [spec](const PlainContact& c, TimeUs now) { return BruteGoal(spec, c, now); }};
}

TEST(SegmentEvalBruteTest, PreviewRangeLeavesOverEventBucketsMatchPerContactEvaluation) {
  const std::uint64_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay with TALLY_SEGMENT_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 rng(seed);
  std::vector<TimeUs> shared_times;
  for (int i = 0; i < 300; ++i) {
    shared_times.push_back(kTestNowUs - static_cast<TimeUs>(rng() % (60 * kTestDayUs)));
  }
  // About 500 events per stripe and goal type: buckets split, so ranges end inside buckets
  // and on their edges (buckets split at event times).
  std::vector<PlainContact> contacts;
  for (int i = 0; i < 2500; ++i) contacts.push_back(RandomBusyContact(rng, shared_times));
  StoredWorkspace ws(contacts, rng);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i) {
      RandomTree tree = MakeRangeLeaf(rng, shared_times);
      if (rng() % 3 == 0) {
        // Under an `and`, the range leaf filters the rows another conjunct kept.
        const RandomTree other =
            rng() % 2 ? MakeRangeLeaf(rng, shared_times) : MakeRandomTree(rng, 1);
        tree = {BranchJson("and", {other.json, tree.json}),
                [tree, other](const PlainContact& c, TimeUs now) {
                  return other.brute(c, now) && tree.brute(c, now);
                }};
      }
      const TimeUs now = kTestNowUs + static_cast<TimeUs>(rng() % 3) * kTestDayUs;
      ASSERT_NO_FATAL_FAILURE(ws.ExpectPreviewMatches(tree, now, 1 + rng() % 8))
          << "round " << round;
    }
    ws.Mutate(rng);
  }
  EXPECT_GT(ws.matched(), 10'000u);
}

}  // namespace
}  // namespace tally::engine
