// The read paths: get, list (D11), timeline (D14), contact lookup and aggregates.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/engine_fixture.h"

namespace tally::engine {
namespace {

class EngineQueryTest : public EngineFixture {
 protected:
  std::vector<std::string> ListIds(std::optional<std::string> email,
                                   std::optional<std::string> name, std::size_t limit,
                                   std::size_t offset) {
    ListQuery q;
    q.workspace_id = "ws";
    q.email = std::move(email);
    q.event_name = std::move(name);
    q.limit = limit;
    q.offset = offset;
    auto r = engine_->List(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    if (r.ok()) {
      for (const Event& e : *r) ids.push_back(e.event_name + "/" + e.external_id);
    }
    return ids;
  }
};

TEST_F(EngineQueryTest, ListOrdersByOccurredAtDescThenNameThenExternalId) {
  MustUpsert(Input("a@x.io", "b.view", "2", kFixtureNowUs - 10));
  MustUpsert(Input("a@x.io", "a.view", "9", kFixtureNowUs - 10));
  MustUpsert(Input("a@x.io", "b.view", "1", kFixtureNowUs - 10));
  MustUpsert(Input("a@x.io", "a.view", "3", kFixtureNowUs - 5));
  MustUpsert(Input("a@x.io", "a.view", "0", kFixtureNowUs - 20));
  EXPECT_EQ(ListIds("a@x.io", std::nullopt, 50, 0),
            (std::vector<std::string>{"a.view/3", "a.view/9", "b.view/1", "b.view/2", "a.view/0"}));
  EXPECT_EQ(ListIds("a@x.io", std::nullopt, 2, 1),
            (std::vector<std::string>{"a.view/9", "b.view/1"}));
  EXPECT_TRUE(ListIds("a@x.io", std::nullopt, 2, 5).empty());
}

TEST_F(EngineQueryTest, ListByEventNameMergesAllContactsInOrder) {
  for (int i = 0; i < 40; ++i) {
    std::string email = "u";
    email += std::to_string(i % 7);
    email += "@x.io";
    std::string id = "e";
    id += std::to_string(i);
    MustUpsert(Input(email, "page.view", id, kFixtureNowUs - (i % 5)));
    MustUpsert(Input(email, "other", id, kFixtureNowUs));
  }
  const auto all = ListIds(std::nullopt, "page.view", 100, 0);
  ASSERT_EQ(all.size(), 40u);
  ListQuery q;
  q.workspace_id = "ws";
  q.event_name = "page.view";
  q.limit = 100;
  const auto events = *engine_->List(q);
  for (std::size_t i = 1; i < events.size(); ++i) {
    const bool ordered = events[i - 1].occurred_at > events[i].occurred_at ||
                         (events[i - 1].occurred_at == events[i].occurred_at &&
                          events[i - 1].external_id < events[i].external_id);
    EXPECT_TRUE(ordered) << i;
  }
  // Pages concatenate to the whole list.
  std::vector<std::string> paged;
  for (std::size_t offset = 0; offset < 40; offset += 7) {
    for (auto& id : ListIds(std::nullopt, "page.view", 7, offset)) paged.push_back(id);
  }
  EXPECT_EQ(paged, all);
}

TEST_F(EngineQueryTest, ListByEmailAndEventNameCombinesWithAnd) {
  MustUpsert(Input("a@x.io", "page.view", "1", kFixtureNowUs));
  MustUpsert(Input("a@x.io", "signup", "2", kFixtureNowUs));
  MustUpsert(Input("b@x.io", "page.view", "3", kFixtureNowUs));
  EXPECT_EQ(ListIds("a@x.io", "page.view", 50, 0), std::vector<std::string>{"page.view/1"});
  EXPECT_TRUE(ListIds("a@x.io", "unknown", 50, 0).empty());
  EXPECT_TRUE(ListIds("nobody@x.io", std::nullopt, 50, 0).empty());
}

TEST_F(EngineQueryTest, ListWithoutEmailOrEventNameIsRejected) {
  ListQuery q;
  q.workspace_id = "ws";
  q.email = "";
  auto r = engine_->List(q);
  EXPECT_EQ(r.status().message(),
            "validation error: invalid request: either email or event_name is required");
}

TEST_F(EngineQueryTest, GetOfUnknownKeyOrWorkspaceIsNotFound) {
  MustUpsert(Input("a@x.io", "signup", "1", kFixtureNowUs));
  EXPECT_EQ(engine_->Get("ws", "signup", "2").status().message(), "Custom event not found");
  EXPECT_EQ(engine_->Get("other", "signup", "1").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(engine_->Get("ws", "never.seen", "1").status().code(), Status::Code::kNotFound);
}

TEST_F(EngineQueryTest, AggregateAnyGoalTypeExcludesEventsWithoutGoalType) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 10, 10));
  EventInput lead = Input("a@x.io", "lead.captured", "l1", kFixtureNowUs - 10);
  lead.goal_type = "lead";
  MustUpsert(lead);
  EventInput no_goal = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 10);
  no_goal.goal_value = 1000;  // a value without a type never counts
  MustUpsert(no_goal);
  EXPECT_EQ(Agg("a@x.io", std::nullopt, AggregateOp::kCount).cents, 2);
  EXPECT_EQ(Agg("a@x.io", std::nullopt, AggregateOp::kSum).cents, 1000);
  const AggregateValue avg = Agg("a@x.io", std::nullopt, AggregateOp::kAvg);
  EXPECT_EQ(avg.matched, 2u);
  EXPECT_EQ(avg.average_cents, 1000.0);  // the lead has no value
  EXPECT_EQ(Agg("a@x.io", GoalType::kLead, AggregateOp::kCount).cents, 1);
  EXPECT_FALSE(Agg("a@x.io", GoalType::kLead, AggregateOp::kMax).cents);
  EXPECT_EQ(Agg("a@x.io", GoalType::kTrial, AggregateOp::kCount).cents, 0);
  EXPECT_EQ(Agg("nobody@x.io", std::nullopt, AggregateOp::kSum).cents, 0);
}

TEST_F(EngineQueryTest, AggregateFiltersByGoalName) {
  EventInput a = Purchase("a@x.io", "o1", kFixtureNowUs - 10, 10);
  a.goal_name = "premium_plan";
  MustUpsert(a);
  EventInput b = Purchase("a@x.io", "o2", kFixtureNowUs - 10, 20);
  b.goal_name = "basic_plan";
  MustUpsert(b);
  MustUpsert(Purchase("a@x.io", "o3", kFixtureNowUs - 10, 40));
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum, {}, "premium_plan").cents, 1000);
  EXPECT_EQ(Agg("a@x.io", std::nullopt, AggregateOp::kSum, {}, "basic_plan").cents, 2000);
  EXPECT_EQ(Agg("a@x.io", std::nullopt, AggregateOp::kCount, {}, "unknown").cents, 0);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 7000);
}

TEST_F(EngineQueryTest, AggregateRespectsTimeRangeBounds) {
  for (int i = 1; i <= 5; ++i) {
    std::string id = "o";
    id += std::to_string(i);
    MustUpsert(Purchase("a@x.io", id, i * kDayUs, i));
  }
  TimeRange r;
  r.after = 2 * kDayUs;
  r.before = 4 * kDayUs;
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum, r).cents, 300);
  r.after_inclusive = true;
  r.before_inclusive = true;
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum, r).cents, 900);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kMin, r).cents, 200);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kMax, r).cents, 400);
}

TEST_F(EngineQueryTest, TimelineInsertEntryHasKindIdsAndChanges) {
  EventInput in = Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 99.99);
  in.goal_name = "first";
  in.properties_json = R"({"b": [1, 2.50], "a": "x"})";
  clock_.Advance(3);
  MustUpsert(in);
  const auto timeline = AllTimeline("a@x.io");
  ASSERT_EQ(timeline.size(), 2u);
  const TimelineEntry& e = timeline[1];
  EXPECT_EQ(e.operation, "insert");
  EXPECT_EQ(e.entity_type, "custom_event");
  EXPECT_EQ(e.kind, "custom_event.order.completed");
  EXPECT_EQ(e.entity_id, "o1");
  EXPECT_EQ(e.email, "a@x.io");
  EXPECT_EQ(e.created_at, kFixtureNowUs - kDayUs);
  EXPECT_EQ(e.db_created_at, kFixtureNowUs + 3);
  EXPECT_EQ(e.id, "00000000-0000-0101-8000-000000000000");  // LSN 1, slot 1
  EXPECT_EQ(timeline[0].id, "00000000-0000-0100-8000-000000000000");
  EXPECT_EQ(e.changes_json,
            R"({"event_name":{"new":"order.completed"},"external_id":{"new":"o1"},)"
            R"("goal_type":{"new":"purchase"},"goal_value":{"new":99.99},)"
            R"("goal_name":{"new":"first"},"properties":{"new":{"b":[1,2.5],"a":"x"}}})");
}

TEST_F(EngineQueryTest, TimelineUpdateEntryHasPropertyDiffAndGoalChanges) {
  EventInput in = Input("a@x.io", "order.completed", "o1", kFixtureNowUs - 100);
  in.properties_json = R"({"status":"pending","same":1,"gone":true})";
  MustUpsert(in);
  EventInput newer = Purchase("a@x.io", "o1", kFixtureNowUs - 50, 100);
  newer.properties_json = R"({"status":"shipped","same":1,"added":null})";
  MustUpsert(newer);
  const auto timeline = AllTimeline("a@x.io");
  ASSERT_EQ(timeline.size(), 3u);
  EXPECT_EQ(timeline[1].operation, "update");
  EXPECT_EQ(
      timeline[1].changes_json,
      R"({"properties":{"added":{"old":null,"new":null},"gone":{"old":true,"new":null},)"
      R"("status":{"old":"pending","new":"shipped"}},)"
      R"("occurred_at":{"old":"2024-05-31T23:59:59.9999Z","new":"2024-05-31T23:59:59.99995Z"},)"
      R"("goal_type":{"old":null,"new":"purchase"},"goal_value":{"old":null,"new":100}})");
  // The insert entry keeps what it said before the update.
  EXPECT_NE(timeline[2].changes_json.find(R"("status":"pending")"), std::string::npos);
}

TEST_F(EngineQueryTest, TimelineIsNewestFirstAndPagesWithCursor) {
  for (int i = 0; i < 25; ++i) {
    std::string id = "p";
    id += std::to_string(i);
    MustUpsert(Input("a@x.io", "page.view", id, kFixtureNowUs - (i % 4) * kSecondUs));
  }
  std::vector<TimelineEntry> paged;
  std::string cursor;
  int pages = 0;
  for (;; ++pages) {
    auto page = engine_->Timeline("ws", "a@x.io", 4, cursor);
    ASSERT_TRUE(page.ok());
    EXPECT_LE(page->entries.size(), 4u);
    for (auto& e : page->entries) paged.push_back(e);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(pages, 6);
  ASSERT_EQ(paged.size(), 26u);
  for (std::size_t i = 1; i < paged.size(); ++i) {
    EXPECT_TRUE(paged[i - 1].created_at > paged[i].created_at ||
                (paged[i - 1].created_at == paged[i].created_at && paged[i - 1].id > paged[i].id))
        << i;
  }
}

TEST_F(EngineQueryTest, TimelineRejectsBadCursorAndLimit) {
  MustUpsert(Input("a@x.io", "page.view", "p", kFixtureNowUs));
  EXPECT_EQ(engine_->Timeline("ws", "a@x.io", 10, "not base64!").status().message(),
            "invalid cursor");
  EXPECT_EQ(engine_->Timeline("ws", "a@x.io", 10, "bm9waXBl").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->Timeline("ws", "a@x.io", 101, "").status().message(),
            "limit cannot exceed 100");
  EXPECT_EQ(engine_->Timeline("ws", "a@x.io", 0, "")->entries.size(), 2u);
  EXPECT_TRUE(engine_->Timeline("ws", "nobody@x.io", 10, "")->entries.empty());
}

TEST_F(EngineQueryTest, WorkspacesAreIsolated) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 10, 10), "ws");
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 5, 20), "other");
  EXPECT_EQ(engine_->Get("ws", "order.completed", "o1")->goal_value_cents, 1000);
  EXPECT_EQ(engine_->Get("other", "order.completed", "o1")->goal_value_cents, 2000);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 1000);
  ASSERT_TRUE(engine_->EraseContact("other", "a@x.io").ok());
  EXPECT_TRUE(engine_->GetContact("ws", "a@x.io").ok());
  EXPECT_EQ(engine_->GetContact("nowhere", "a@x.io").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(engine_->EraseContact("nowhere", "a@x.io").code(), Status::Code::kNotFound);
}

TEST_F(EngineQueryTest, StatsCountWhatIsStored) {
  MustUpsert(Input("a@x.io", "page.view", "1", kFixtureNowUs));
  EventInput deleted = Input("b@x.io", "page.view", "2", kFixtureNowUs);
  deleted.deleted_at = kFixtureNowUs;
  MustUpsert(deleted);
  MustUpsert(Input("c@x.io", "page.view", "1", kFixtureNowUs), "other");
  const Engine::Stats stats = engine_->GetStats();
  EXPECT_EQ(stats.workspaces, 2u);
  EXPECT_EQ(stats.contacts, 2u);
  EXPECT_EQ(stats.events, 3u);
  EXPECT_EQ(stats.timeline_entries, 5u);
  EXPECT_EQ(stats.applied_lsn, 3u);
}

}  // namespace
}  // namespace tally::engine
