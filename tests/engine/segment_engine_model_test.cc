// Seeded randomized test of always-current membership (D17): random writes, erasures, saved
// segments created, updated and deleted with random trees (including `not` and windows of a
// few days), and a clock that advances across window boundaries. After every step each saved
// segment's members equal a fresh evaluation of the reference model's contacts at "now", and
// every contact's segment.joined / segment.left entries alternate, one per transition, ending
// in its current membership; a preview of each segment's tree and of a random one (read from
// the goal columns) equals the same evaluation; after a replay everything is identical, and an
// engine loaded from a snapshot previews the same.
// TALLY_SEGMENT_MODEL_SEED=<n> replays one seed.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/random_seed.h"
#include "tests/engine/reference_model.h"
#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

constexpr int kOperations = 1500;
constexpr int kEmails = 10;
const char* const kSegmentIds[] = {"s0", "s1", "s2", "s3"};

class SegmentEngineModelTest : public EngineFixture {
 protected:
  // Time is driven by the test alone, so that a seed replays exactly.
  void SetUp() override {
    segment_timer_ = false;
    EngineFixture::SetUp();
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Email(int i) {
    std::string email = "u";
    email += std::to_string(i);
    email += "@x.io";
    return email;
  }

  // Events spread over the last five days and the next hour, so that windows of 1–3 days
  // hold some of them and lose them as the clock advances.
  EventInput RandomInput() {
    EventInput in;
    in.email = Email(Pick(kEmails));
    in.event_name = Pick(2) ? "order" : "refund";
    in.external_id = "k" + std::to_string(Pick(30));
    in.occurred_at = clock_.NowUs() - Pick(5 * 24) * 3600 * kSecondUs + Pick(60) * kSecondUs;
    const int type = Pick(4);
    if (type > 0) {
      in.goal_type = std::vector<std::string>{"purchase", "subscription", "lead"}[type - 1];
      if (type < 3 || Pick(2)) in.goal_value = (Pick(20'000) - 1'000) / 100.0;
      if (Pick(3) == 0) in.goal_name = "gold";
    }
    if (Pick(8) == 0) in.deleted_at = clock_.NowUs();
    return in;
  }

  std::string RandomLeaf() {
    const std::string timeframe =
        Pick(2) ? R"("timeframe_operator":"anytime")"
                : R"("timeframe_operator":"in_the_last_days","timeframe_values":[")" +
                      std::to_string(1 + Pick(3)) + "\"]";
    if (Pick(5) == 0) {
      return TimelineLeafJson(R"("kind":"custom_event.order","count_operator":")" +
                              std::vector<std::string>{"at_least", "at_most", "exactly"}[Pick(3)] +
                              R"(","count_value":)" + std::to_string(Pick(3)) + "," + timeframe);
    }
    const std::string aggregate =
        std::vector<std::string>{"sum", "count", "avg", "min", "max"}[Pick(5)];
    const std::string value =
        aggregate == "count" ? std::to_string(1 + Pick(3)) : std::to_string(Pick(150) - 10);
    return GoalLeafJson(R"("goal_type":")" +
                        std::vector<std::string>{"purchase", "subscription", "*"}[Pick(3)] +
                        R"(","aggregate_operator":")" + aggregate + R"(","operator":")" +
                        (Pick(2) ? "gte" : "lte") + R"(","value":)" + value + "," + timeframe +
                        (Pick(4) == 0 ? R"(,"goal_name":"gold")" : ""));
  }

  std::string RandomTree(int depth) {
    if (depth == 0 || Pick(2) == 0) return RandomLeaf();
    if (Pick(3) == 0) return BranchJson("not", {RandomTree(depth - 1)});
    return BranchJson(Pick(2) ? "and" : "or", {RandomTree(depth - 1), RandomTree(depth - 1)});
  }

  void SegmentStep() {
    SegmentInput input;
    input.id = kSegmentIds[Pick(4)];
    input.name = input.id;
    const bool exists = trees_.contains(input.id);
    if (exists && Pick(3) == 0) {
      ASSERT_TRUE(engine_->DeleteSegment("ws", input.id).ok());
      trees_.erase(input.id);
      return;
    }
    input.tree_json = RandomTree(2);
    auto r = exists ? engine_->UpdateSegment("ws", input) : engine_->CreateSegment("ws", input);
    ASSERT_TRUE(r.ok()) << r.status().ToString() << " " << input.tree_json;
    trees_[input.id] = input.tree_json;
  }

  void Step() {
    const int kind = Pick(20);
    if (kind == 0) {
      ASSERT_NO_FATAL_FAILURE(SegmentStep());
    } else if (kind <= 3) {
      // Time passes; every boundary up to now is processed.
      clock_.Advance(Pick(3) == 0 ? Pick(48) * 3600 * kSecondUs : Pick(600) * kSecondUs);
      ASSERT_TRUE(engine_->ProcessSegmentBoundaries().ok());
    } else if (kind == 4) {
      const std::string email = Email(Pick(kEmails));
      ASSERT_EQ(engine_->EraseContact("ws", email).ok(), model_.Erase(email));
    } else if (kind <= 6) {
      std::vector<EventInput> batch;
      for (int i = 0, n = 1 + Pick(5); i < n; ++i) batch.push_back(RandomInput());
      ASSERT_TRUE(engine_->Import("ws", batch).status.ok());
      model_.Write(batch, true, clock_.NowUs());
    } else {
      const EventInput in = RandomInput();
      ASSERT_TRUE(engine_->Upsert("ws", in).ok());
      model_.Write({in}, false, clock_.NowUs());
    }
    clock_.Advance(1 + Pick(5));
  }

  PlainContact ModelContact(const std::string& email) {
    PlainContact contact;
    for (const auto& [key, ev] : model_.events()) {
      if (ev.email != email) continue;
      contact.events.push_back({ev.goal_type, ev.goal_name.value_or(""), ev.goal_value_cents,
                                ev.occurred_at, ev.deleted_at.has_value()});
    }
    for (const ModelEntry& entry : model_.Timeline(email)) {
      contact.timeline.push_back({entry.kind, entry.created_at});
    }
    return contact;
  }

  std::vector<std::string> Members(const std::string& id) {
    std::vector<std::string> all;
    for (std::size_t offset = 0;; offset += 3) {
      auto page = engine_->SegmentContacts("ws", id, 3, offset);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok() || page->empty()) return all;
      all.insert(all.end(), page->begin(), page->end());
    }
  }

  // The existing contacts of the model that match `tree_json` now, ascending.
  std::vector<std::string> Expected(const std::string& tree_json) {
    const SegmentTree tree = MustParse(tree_json);
    std::vector<std::string> expected;
    for (int i = 0; i < kEmails; ++i) {
      const std::string email = Email(i);
      if (!model_.contact_created_at(email)) continue;
      if (EvaluateSegment(tree, PlainContactFacts(ModelContact(email)), clock_.NowUs())) {
        expected.push_back(email);
      }
    }
    return expected;
  }

  // A preview of each tree (read from the goal columns) equals the model's evaluation.
  void CheckPreviews(const Engine& engine, const std::vector<std::string>& trees) {
    for (const std::string& tree_json : trees) {
      std::vector<std::string> expected = Expected(tree_json);
      auto preview = engine.PreviewSegment("ws", tree_json, "", 4);
      ASSERT_TRUE(preview.ok()) << preview.status().ToString();
      ASSERT_EQ(preview->total_count, expected.size()) << tree_json;
      expected.resize(std::min<std::size_t>(expected.size(), 4));
      ASSERT_EQ(preview->emails, expected) << tree_json;
    }
  }

  std::vector<std::string> PreviewTrees() {
    std::vector<std::string> trees = {RandomTree(2)};
    for (const auto& [id, tree_json] : trees_) trees.push_back(tree_json);
    return trees;
  }

  void CheckAll() {
    // Once every boundary up to now is processed, membership equals a fresh evaluation now.
    ASSERT_TRUE(engine_->ProcessSegmentBoundaries().ok());
    ASSERT_NO_FATAL_FAILURE(CheckPreviews(*engine_, PreviewTrees()));
    for (const auto& [id, tree_json] : trees_) {
      const std::vector<std::string> expected = Expected(tree_json);
      ASSERT_EQ(Members(id), expected) << id << " " << tree_json;
      auto segment = engine_->GetSegment("ws", id);
      ASSERT_TRUE(segment.ok());
      ASSERT_EQ(segment->users_count, expected.size());
    }
    for (int i = 0; i < kEmails; ++i) ASSERT_NO_FATAL_FAILURE(CheckTransitions(Email(i)));
  }

  // Per segment id, the contact's joined/left entries alternate from "joined" and end in its
  // membership; GetContact lists exactly the segments it is a member of.
  void CheckTransitions(const std::string& email) {
    std::map<std::string, std::vector<std::string>> kinds;  // segment id → kinds, oldest first
    std::vector<TimelineEntry> timeline = AllTimeline(email);
    std::reverse(timeline.begin(), timeline.end());
    for (const TimelineEntry& entry : timeline) {
      if (entry.entity_type != "contact_segment") continue;
      kinds[*entry.entity_id].push_back(entry.kind);
    }
    std::set<std::string> member_of;
    if (auto contact = engine_->GetContact("ws", email); contact.ok()) {
      for (const ContactSegment& s : contact->segments) member_of.insert(s.segment_id);
    }
    for (const auto& [id, sequence] : kinds) {
      for (std::size_t i = 0; i < sequence.size(); ++i) {
        ASSERT_EQ(sequence[i], i % 2 == 0 ? "segment.joined" : "segment.left")
            << email << " " << id << " entry " << i;
      }
      ASSERT_EQ(sequence.size() % 2 == 1, member_of.contains(id)) << email << " " << id;
    }
    for (const std::string& id : member_of) ASSERT_TRUE(kinds.contains(id)) << email << " " << id;
  }

  std::map<std::string, std::vector<TimelineEntry>> Timelines() {
    std::map<std::string, std::vector<TimelineEntry>> out;
    for (int i = 0; i < kEmails; ++i) out[Email(i)] = AllTimeline(Email(i));
    return out;
  }

  std::mt19937_64 rng_;
  ReferenceModel model_;
  std::map<std::string, std::string> trees_;  // live saved segments
};

TEST_F(SegmentEngineModelTest, MembershipStaysCurrentThroughWritesTimeAndReplay) {
  const RandomSeed random_seed("TALLY_SEGMENT_MODEL_SEED");
  SCOPED_TRACE(random_seed.replay_hint());
  const std::uint64_t seed = random_seed.value();
  rng_.seed(seed);
  for (int op = 1; op <= kOperations; ++op) {
    ASSERT_NO_FATAL_FAILURE(Step()) << "operation " << op;
    ASSERT_NO_FATAL_FAILURE(CheckAll()) << "after operation " << op;
  }
  const auto timelines = Timelines();
  Reopen();
  ASSERT_NO_FATAL_FAILURE(CheckAll()) << "after replay";
  const auto replayed = Timelines();
  for (const auto& [email, entries] : timelines) {
    const auto& again = replayed.at(email);
    ASSERT_EQ(again.size(), entries.size()) << email;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(again[i].id, entries[i].id);
      EXPECT_EQ(again[i].kind, entries[i].kind);
      EXPECT_EQ(again[i].changes_json, entries[i].changes_json);
      EXPECT_EQ(again[i].created_at, entries[i].created_at);
      EXPECT_EQ(again[i].db_created_at, entries[i].db_created_at);
    }
  }
  // An engine loaded from a snapshot builds the same goal columns.
  const auto file = dir_ / "columns.snap";
  auto header = engine_->WriteSnapshot(file, {});
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EngineOptions options;
  options.log = log_.get();
  options.clock = &clock_;
  options.segment_timer = false;
  options.snapshot = file;
  auto loaded = Engine::Open(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const std::vector<std::string> trees = PreviewTrees();
  ASSERT_NO_FATAL_FAILURE(CheckPreviews(**loaded, trees)) << "after a snapshot load";
  ASSERT_NO_FATAL_FAILURE(CheckPreviews(*engine_, trees));
}

}  // namespace
}  // namespace tally::engine
