// The engine's segment API: definitions as log records (create, update, delete, get, list),
// membership kept current by writes and by time, segment.joined / segment.left entries, the
// contacts' segment lists, preview and paging, and replay of all of it.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/segment_registry.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/segment_test_facts.h"

namespace tally::engine {
namespace {

class SegmentEngineTest : public EngineFixture {
 protected:
  // The tests drive time themselves (ProcessSegmentBoundaries), except where they say so.
  void SetUp() override {
    segment_timer_ = false;
    EngineFixture::SetUp();
  }

  static SegmentInput Definition(std::string id, std::string tree_json, std::string timezone = "") {
    SegmentInput input;
    input.id = id;
    input.name = "Segment " + id;
    input.color = "#123456";
    input.tree_json = std::move(tree_json);
    input.timezone = std::move(timezone);
    return input;
  }

  Segment MustCreate(const SegmentInput& input) {
    auto r = engine_->CreateSegment("ws", input);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Segment{};
  }

  std::vector<std::string> Members(const std::string& id) {
    auto r = engine_->SegmentContacts("ws", id, 1000, 0);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<std::string>{};
  }

  std::vector<TimelineEntry> SegmentEntries(const std::string& email) {
    std::vector<TimelineEntry> out;
    for (TimelineEntry& e : AllTimeline(email)) {
      if (e.entity_type == "contact_segment") out.push_back(std::move(e));
    }
    return out;  // newest first
  }

  static std::string SumAtLeast(int value, const std::string& timeframe = "") {
    return GoalLeafJson(R"("goal_type":"purchase","aggregate_operator":"sum","operator":"gte",)"
                        R"("value":)" +
                        std::to_string(value) + "," +
                        (timeframe.empty() ? R"("timeframe_operator":"anytime")" : timeframe));
  }
  static std::string RecentPurchase(int days) {
    return GoalLeafJson(
        R"("goal_type":"purchase","aggregate_operator":"count","operator":"gte",)"
        R"("value":1,"timeframe_operator":"in_the_last_days","timeframe_values":[")" +
        std::to_string(days) + "\"]");
  }
};

TEST_F(SegmentEngineTest, CreateComputesMembershipFromCurrentState) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 600));
  MustUpsert(Purchase("b@x.io", "o2", kFixtureNowUs - kDayUs, 100));
  const Segment created = MustCreate(Definition("vip", SumAtLeast(500)));
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.status, "active");
  EXPECT_EQ(created.users_count, 1u);
  EXPECT_EQ(created.timezone, "UTC");
  EXPECT_EQ(created.db_created_at, kFixtureNowUs);
  EXPECT_EQ(Members("vip"), std::vector<std::string>{"a@x.io"});
  const auto entries = SegmentEntries("a@x.io");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kind, "segment.joined");
  EXPECT_EQ(entries[0].operation, "insert");
  EXPECT_EQ(entries[0].entity_id, "vip");
  EXPECT_EQ(entries[0].changes_json,
            R"({"segment_id":"vip","version":1,"matched_at":"2024-06-01T00:00:00Z"})");
  EXPECT_EQ(entries[0].created_at, kFixtureNowUs);
  auto contact = engine_->GetContact("ws", "a@x.io");
  ASSERT_TRUE(contact.ok());
  ASSERT_EQ(contact->segments.size(), 1u);
  EXPECT_EQ(contact->segments[0].segment_id, "vip");
  EXPECT_EQ(contact->segments[0].version, 1);
  EXPECT_EQ(contact->segments[0].matched_at, kFixtureNowUs);
  EXPECT_TRUE(engine_->GetContact("ws", "b@x.io")->segments.empty());
}

TEST_F(SegmentEngineTest, WritesMoveContactsInAndOutWithOneEntryPerTransition) {
  MustCreate(Definition("vip", SumAtLeast(500)));
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 300));
  EXPECT_TRUE(Members("vip").empty());
  clock_.Advance(kSecondUs);
  MustUpsert(Purchase("a@x.io", "o2", kFixtureNowUs - kDayUs, 300));
  EXPECT_EQ(Members("vip"), std::vector<std::string>{"a@x.io"});
  clock_.Advance(kSecondUs);
  MustUpsert(Purchase("a@x.io", "o3", kFixtureNowUs - kDayUs, 1));  // still a member
  clock_.Advance(kSecondUs);
  EventInput refund = Purchase("a@x.io", "o2", kFixtureNowUs - kDayUs, 300);
  refund.deleted_at = clock_.NowUs();
  MustUpsert(refund);
  EXPECT_TRUE(Members("vip").empty());
  const auto entries = SegmentEntries("a@x.io");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].kind, "segment.left");
  EXPECT_EQ(entries[0].operation, "delete");
  EXPECT_EQ(entries[0].changes_json, R"({"segment_id":"vip","version":1})");
  EXPECT_EQ(entries[0].created_at, kFixtureNowUs + 3 * kSecondUs);
  EXPECT_EQ(entries[1].kind, "segment.joined");
  EXPECT_EQ(entries[1].created_at, kFixtureNowUs + kSecondUs);
  EXPECT_EQ(engine_->GetSegment("ws", "vip")->users_count, 0u);
}

TEST_F(SegmentEngineTest, EmailMoveUpdatesBothContacts) {
  MustCreate(Definition("vip", SumAtLeast(500)));
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 600));
  EXPECT_EQ(Members("vip"), std::vector<std::string>{"a@x.io"});
  MustUpsert(Purchase("b@x.io", "o1", kFixtureNowUs - kDayUs + 1, 600));
  EXPECT_EQ(Members("vip"), std::vector<std::string>{"b@x.io"});
  EXPECT_EQ(SegmentEntries("a@x.io").front().kind, "segment.left");
}

TEST_F(SegmentEngineTest, NotMatchesContactsWithoutEvents) {
  MustUpsert(Input("a@x.io", "page.view", "p1", kFixtureNowUs - kDayUs));
  MustUpsert(Purchase("b@x.io", "o1", kFixtureNowUs - kDayUs, 10));
  MustCreate(Definition("never", BranchJson("not", {SumAtLeast(0)})));
  EXPECT_EQ(Members("never"), std::vector<std::string>{"a@x.io"});
}

TEST_F(SegmentEngineTest, WindowBoundaryMovesMembershipAtTheExactInstant) {
  const TimeUs bought = kFixtureNowUs - 2 * kDayUs;
  MustUpsert(Purchase("a@x.io", "o1", bought, 10));
  MustCreate(Definition("recent", RecentPurchase(7)));
  MustCreate(Definition(
      "lapsed", BranchJson("and", {BranchJson("not", {RecentPurchase(7)}), SumAtLeast(5)})));
  EXPECT_EQ(Members("recent"), std::vector<std::string>{"a@x.io"});
  EXPECT_TRUE(Members("lapsed").empty());
  clock_.Set(bought + 7 * kDayUs - 1);
  ASSERT_TRUE(engine_->ProcessSegmentBoundaries().ok());
  EXPECT_EQ(Members("recent"), std::vector<std::string>{"a@x.io"});
  clock_.Set(bought + 7 * kDayUs + 5 * kSecondUs);
  ASSERT_TRUE(engine_->ProcessSegmentBoundaries().ok());
  EXPECT_TRUE(Members("recent").empty());
  EXPECT_EQ(Members("lapsed"), std::vector<std::string>{"a@x.io"});
  const auto entries = SegmentEntries("a@x.io");
  ASSERT_EQ(entries.size(), 3u);
  // Both changes are dated at the boundary, not when they were processed.
  EXPECT_EQ(entries[0].created_at, bought + 7 * kDayUs);
  EXPECT_EQ(entries[1].created_at, bought + 7 * kDayUs);
  EXPECT_EQ(entries[0].db_created_at, bought + 7 * kDayUs + 5 * kSecondUs);
  // The time-driven change was logged, so a replay reproduces it exactly.
  const auto before = AllTimeline("a@x.io");
  Reopen();
  const auto after = AllTimeline("a@x.io");
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].kind, before[i].kind);
    EXPECT_EQ(after[i].changes_json, before[i].changes_json);
    EXPECT_EQ(after[i].created_at, before[i].created_at);
  }
  EXPECT_TRUE(Members("recent").empty());
  EXPECT_EQ(Members("lapsed"), std::vector<std::string>{"a@x.io"});
}

TEST_F(SegmentEngineTest, TimerThreadProcessesBoundariesByItself) {
  segment_timer_ = true;
  Reopen();
  const TimeUs bought = kFixtureNowUs - 2 * kDayUs;
  MustUpsert(Purchase("a@x.io", "o1", bought, 10));
  MustCreate(Definition("recent", RecentPurchase(7)));
  clock_.Set(bought + 7 * kDayUs);
  for (int i = 0; i < 500 && !Members("recent").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(Members("recent").empty());
}

TEST_F(SegmentEngineTest, UpdateBumpsVersionAndReevaluates) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 600));
  MustUpsert(Purchase("b@x.io", "o2", kFixtureNowUs - kDayUs, 300));
  MustCreate(Definition("vip", SumAtLeast(500)));
  clock_.Advance(kSecondUs);
  auto updated = engine_->UpdateSegment("ws", Definition("vip", SumAtLeast(200)));
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->db_created_at, kFixtureNowUs);
  EXPECT_EQ(updated->db_updated_at, kFixtureNowUs + kSecondUs);
  EXPECT_EQ(Members("vip"), (std::vector<std::string>{"a@x.io", "b@x.io"}));
  EXPECT_EQ(engine_->GetContact("ws", "a@x.io")->segments[0].version, 2);
  EXPECT_EQ(engine_->GetContact("ws", "a@x.io")->segments[0].matched_at, kFixtureNowUs);
  EXPECT_EQ(SegmentEntries("a@x.io").size(), 1u);  // stayed a member: no new entry
  EXPECT_EQ(SegmentEntries("b@x.io").front().changes_json,
            R"({"segment_id":"vip","version":2,"matched_at":"2024-06-01T00:00:01Z"})");
}

TEST_F(SegmentEngineTest, DeleteEmitsLeftEntriesAndKeepsTheSegmentVisibleToGet) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 600));
  MustCreate(Definition("vip", SumAtLeast(500)));
  ASSERT_TRUE(engine_->DeleteSegment("ws", "vip").ok());
  auto got = engine_->GetSegment("ws", "vip");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "deleted");
  EXPECT_EQ(got->users_count, 0u);
  EXPECT_TRUE(engine_->ListSegments("ws").empty());
  EXPECT_EQ(SegmentEntries("a@x.io").front().kind, "segment.left");
  EXPECT_TRUE(engine_->GetContact("ws", "a@x.io")->segments.empty());
  EXPECT_TRUE(engine_->DeleteSegment("ws", "vip").IsNotFound());
  // A deleted id can be created again, as a new segment.
  EXPECT_EQ(MustCreate(Definition("vip", SumAtLeast(1))).version, 1);
}

TEST_F(SegmentEngineTest, ApiErrors) {
  EXPECT_EQ(engine_->GetSegment("ws", "nope").status(), Status::NotFound("Segment not found"));
  EXPECT_EQ(engine_->UpdateSegment("ws", Definition("nope", SumAtLeast(1))).status(),
            Status::NotFound("Segment not found"));
  EXPECT_TRUE(engine_->DeleteSegment("ws", "nope").IsNotFound());
  EXPECT_TRUE(engine_->SegmentContacts("ws", "nope", 10, 0).status().IsNotFound());
  MustCreate(Definition("vip", SumAtLeast(1)));
  EXPECT_EQ(engine_->CreateSegment("ws", Definition("vip", SumAtLeast(1))).status(),
            Status::AlreadyExists("Segment already exists"));
  EXPECT_EQ(engine_->CreateSegment("ws", Definition("Bad", SumAtLeast(1))).status(),
            Status::InvalidArgument("invalid create segment request: id must contain only "
                                    "lowercase letters, numbers, and underscores"));
  EXPECT_EQ(
      engine_->PreviewSegment("ws", "{}", "", 10).status(),
      Status::InvalidArgument("invalid preview segment request: tree node must have 'kind' field"));
  // Nothing of the rejected requests reached the log.
  EXPECT_EQ(engine_->ListSegments("ws").size(), 1u);
}

TEST_F(SegmentEngineTest, SegmentsPerWorkspaceLimitIsEnforced) {
  for (std::size_t i = 0; i < kSegmentsPerWorkspaceMax; ++i) {
    std::string id = "s";
    id += std::to_string(i);
    MustCreate(Definition(id, SumAtLeast(1)));
  }
  EXPECT_EQ(engine_->CreateSegment("ws", Definition("one_more", SumAtLeast(1))).status(),
            Status::InvalidArgument(
                "invalid create segment request: a workspace can have at most 50 segments"));
  ASSERT_TRUE(engine_->DeleteSegment("ws", "s7").ok());
  MustCreate(Definition("one_more", SumAtLeast(1)));
}

TEST_F(SegmentEngineTest, ListIsNewestFirstAndContactsPageInEmailOrder) {
  for (const char* email : {"d@x.io", "a@x.io", "c@x.io", "b@x.io", "e@x.io"}) {
    MustUpsert(Purchase(email, std::string("o_") + email[0], kFixtureNowUs - kDayUs, 600));
  }
  MustCreate(Definition("first", SumAtLeast(500)));
  clock_.Advance(kSecondUs);
  MustCreate(Definition("second", SumAtLeast(500)));
  const std::vector<Segment> list = engine_->ListSegments("ws");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "second");
  EXPECT_EQ(list[1].id, "first");
  EXPECT_EQ(*engine_->SegmentContacts("ws", "first", 2, 0),
            (std::vector<std::string>{"a@x.io", "b@x.io"}));
  EXPECT_EQ(*engine_->SegmentContacts("ws", "first", 2, 2),
            (std::vector<std::string>{"c@x.io", "d@x.io"}));
  EXPECT_EQ(*engine_->SegmentContacts("ws", "first", 2, 4), std::vector<std::string>{"e@x.io"});
  EXPECT_TRUE(engine_->SegmentContacts("ws", "first", 2, 6)->empty());
}

TEST_F(SegmentEngineTest, PreviewCountsAndSamplesWithoutSaving) {
  for (int i = 0; i < 30; ++i) {
    std::string email = "u";
    email += std::to_string(100 + i);
    email += "@x.io";
    std::string key = "o";
    key += std::to_string(i);
    MustUpsert(Purchase(email, key, kFixtureNowUs - kDayUs, i * 10.0));
  }
  auto preview = engine_->PreviewSegment("ws", SumAtLeast(100), "", 3);
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->total_count, 20u);
  EXPECT_EQ(preview->emails, (std::vector<std::string>{"u110@x.io", "u111@x.io", "u112@x.io"}));
  EXPECT_TRUE(engine_->ListSegments("ws").empty());
  EXPECT_EQ(engine_->PreviewSegment("other", SumAtLeast(100), "", 3)->total_count, 0u);
}

TEST_F(SegmentEngineTest, ErasureRemovesTheContactFromSegments) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 600));
  MustCreate(Definition("vip", SumAtLeast(500)));
  ASSERT_TRUE(engine_->EraseContact("ws", "a@x.io").ok());
  EXPECT_TRUE(Members("vip").empty());
  EXPECT_EQ(engine_->GetSegment("ws", "vip")->users_count, 0u);
  Reopen();
  EXPECT_TRUE(Members("vip").empty());
}

TEST_F(SegmentEngineTest, DefinitionsAndMembershipSurviveReplay) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 600));
  MustCreate(Definition("vip", SumAtLeast(500), "America/New_York"));
  clock_.Advance(kSecondUs);
  MustUpsert(Purchase("b@x.io", "o2", kFixtureNowUs - kDayUs, 700));
  const Segment before = *engine_->GetSegment("ws", "vip");
  const auto entries = SegmentEntries("b@x.io");
  Reopen();
  const Segment after = *engine_->GetSegment("ws", "vip");
  EXPECT_EQ(after.tree_json, before.tree_json);
  EXPECT_EQ(after.timezone, "America/New_York");
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.users_count, 2u);
  EXPECT_EQ(after.db_created_at, before.db_created_at);
  EXPECT_EQ(Members("vip"), (std::vector<std::string>{"a@x.io", "b@x.io"}));
  const auto replayed = SegmentEntries("b@x.io");
  ASSERT_EQ(replayed.size(), entries.size());
  EXPECT_EQ(replayed[0].id, entries[0].id);
  EXPECT_EQ(replayed[0].db_created_at, entries[0].db_created_at);
}

}  // namespace
}  // namespace tally::engine
