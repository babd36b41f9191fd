// The write rules of Engine::Upsert / Import / EraseContact (D1–D8, D13, D19).
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/engine_fixture.h"

namespace tally::engine {
namespace {

class EngineWriteTest : public EngineFixture {};

TEST_F(EngineWriteTest, UpsertReturnsStoredStateWithDefaults) {
  EventInput in = Purchase("alice@example.com", "o1", kFixtureNowUs - kDayUs, 99.999);
  in.properties_json = R"({"sku": "A-1", "n": 1.10})";
  const UpsertOutcome out = MustUpsert(in);
  EXPECT_TRUE(out.applied);
  EXPECT_EQ(out.event.email, "alice@example.com");
  EXPECT_EQ(out.event.event_name, "order.completed");
  EXPECT_EQ(out.event.external_id, "o1");
  EXPECT_EQ(out.event.source, "api");
  EXPECT_EQ(out.event.properties_json, R"({"sku": "A-1", "n": 1.10})");  // raw text (D19)
  EXPECT_EQ(out.event.goal_type, GoalType::kPurchase);
  EXPECT_EQ(out.event.goal_value_cents, 10000);  // 99.999 rounds half away from zero
  EXPECT_EQ(out.event.occurred_at, kFixtureNowUs - kDayUs);
  EXPECT_EQ(out.event.created_at, kFixtureNowUs);
  EXPECT_EQ(out.event.updated_at, kFixtureNowUs);
  EXPECT_FALSE(out.event.deleted_at);
  auto got = engine_->Get("ws", "order.completed", "o1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->properties_json, out.event.properties_json);
  EXPECT_EQ(log_->last_lsn(), 1u);
}

TEST_F(EngineWriteTest, UpsertIntoAReusedEventReplacesEveryField) {
  EventInput full = Purchase("First.Buyer@Example.com", "o1", kFixtureNowUs - kDayUs, 12.5);
  full.goal_name = "spring-sale";
  full.integration_id = "shopify-integration-0001";
  full.deleted_at = kFixtureNowUs - kSecondUs;
  full.properties_json = R"({"sku":"SKU-000123","qty":2,"channel":"web"})";
  Event stored;
  auto first = engine_->Upsert("ws", full, Durability::kWait, stored);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->applied);
  EXPECT_EQ(first->lsn, 1u);
  EXPECT_EQ(stored.email, "first.buyer@example.com");
  EXPECT_EQ(stored.goal_name, "spring-sale");
  EXPECT_EQ(stored.integration_id, "shopify-integration-0001");
  EXPECT_EQ(stored.deleted_at, kFixtureNowUs - kSecondUs);

  clock_.Advance(kSecondUs);
  const EventInput plain = Input("a@x.io", "signup", "s1", kFixtureNowUs - 5);
  auto second = engine_->Upsert("ws", plain, Durability::kWait, stored);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->applied);
  EXPECT_EQ(second->lsn, 2u);
  const Event expected = MustUpsert(plain).event;  // a no-op: the stored state again (D1)
  EXPECT_EQ(stored.external_id, expected.external_id);
  EXPECT_EQ(stored.email, expected.email);
  EXPECT_EQ(stored.event_name, expected.event_name);
  EXPECT_EQ(stored.properties_json, expected.properties_json);
  EXPECT_EQ(stored.occurred_at, expected.occurred_at);
  EXPECT_EQ(stored.source, expected.source);
  EXPECT_FALSE(stored.integration_id);
  EXPECT_FALSE(stored.goal_name);
  EXPECT_EQ(stored.goal_type, GoalType::kNone);
  EXPECT_FALSE(stored.goal_value_cents);
  EXPECT_FALSE(stored.deleted_at);
  EXPECT_EQ(stored.created_at, expected.created_at);
  EXPECT_EQ(stored.updated_at, expected.updated_at);

  // A no-op through the same overload writes the stored state and logs nothing.
  auto noop = engine_->Upsert("ws", full, Durability::kWait, stored);
  ASSERT_TRUE(noop.ok());
  EXPECT_FALSE(noop->applied);
  EXPECT_EQ(noop->lsn, 0u);
  EXPECT_EQ(stored.external_id, "o1");
  EXPECT_EQ(stored.goal_name, "spring-sale");
  EXPECT_EQ(stored.goal_value_cents, 1250);
  EXPECT_EQ(log_->last_lsn(), 2u);
}

TEST_F(EngineWriteTest, UpsertWithoutOccurredAtUsesNow) {
  EventInput in = Input("a@x.io", "signup", "s1", 0);
  in.occurred_at.reset();
  EXPECT_EQ(MustUpsert(in).event.occurred_at, kFixtureNowUs);
}

TEST_F(EngineWriteTest, UpsertWithOlderOccurredAtIsIgnored) {
  EventInput first = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 10);
  first.properties_json = R"({"v":1})";
  MustUpsert(first);
  clock_.Advance(kSecondUs);
  EventInput stale = Input("b@x.io", "page.view", "p1", kFixtureNowUs - 20);
  stale.properties_json = R"({"v":2})";
  const UpsertOutcome out = MustUpsert(stale);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(out.event.properties_json, R"({"v":1})");  // the stored state (D1)
  EXPECT_EQ(out.event.email, "a@x.io");
  EXPECT_EQ(out.event.updated_at, kFixtureNowUs);
  EXPECT_EQ(log_->last_lsn(), 1u);              // nothing logged
  EXPECT_EQ(AllTimeline("a@x.io").size(), 2u);  // contact.created + insert only
  EXPECT_EQ(engine_->GetContact("ws", "b@x.io").status().code(), Status::Code::kNotFound);
}

TEST_F(EngineWriteTest, UpsertWithSameOccurredAtAndDifferentPayloadIsNoop) {
  EventInput in = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 10);
  MustUpsert(in);
  in.properties_json = R"({"changed":true})";
  EXPECT_FALSE(MustUpsert(in).applied);
  EXPECT_EQ(engine_->Get("ws", "page.view", "p1")->properties_json, "{}");
  EXPECT_EQ(log_->last_lsn(), 1u);
}

TEST_F(EngineWriteTest, NewerUpsertReplacesPayloadAndKeepsCreatedAt) {
  EventInput in = Input("a@x.io", "order.shipped", "o1", kFixtureNowUs - 100);
  in.properties_json = R"({"status":"pending","carrier":"ups"})";
  in.integration_id = "int-1";
  MustUpsert(in);
  clock_.Advance(5 * kSecondUs);
  EventInput newer = Input("a@x.io", "order.shipped", "o1", kFixtureNowUs - 50);
  newer.properties_json = R"({"status":"shipped"})";
  const UpsertOutcome out = MustUpsert(newer);
  EXPECT_TRUE(out.applied);
  EXPECT_EQ(out.event.properties_json, R"({"status":"shipped"})");  // whole replacement
  EXPECT_FALSE(out.event.integration_id);                           // null clears it
  EXPECT_EQ(out.event.occurred_at, kFixtureNowUs - 50);
  EXPECT_EQ(out.event.created_at, kFixtureNowUs);
  EXPECT_EQ(out.event.updated_at, kFixtureNowUs + 5 * kSecondUs);
}

TEST_F(EngineWriteTest, NewerUpsertKeepsGoalFieldsWhenAbsent) {
  EventInput in = Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10);
  in.goal_name = "first_order";
  MustUpsert(in);
  EventInput newer = Input("a@x.io", "order.completed", "o1", kFixtureNowUs - 50);
  const UpsertOutcome out = MustUpsert(newer);
  EXPECT_EQ(out.event.goal_type, GoalType::kPurchase);  // COALESCE (D3)
  EXPECT_EQ(out.event.goal_value_cents, 1000);
  EXPECT_EQ(out.event.goal_name, "first_order");
  EventInput changed = Purchase("a@x.io", "o1", kFixtureNowUs - 40, 12.5);
  EXPECT_EQ(MustUpsert(changed).event.goal_value_cents, 1250);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 1250);
}

TEST_F(EngineWriteTest, DeleteHidesEventFromGetListAndAggregates) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10));
  MustUpsert(Purchase("a@x.io", "o2", kFixtureNowUs - 90, 20));
  EventInput del = Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10);
  del.deleted_at = kFixtureNowUs;
  const UpsertOutcome out = MustUpsert(del);
  EXPECT_TRUE(out.applied);
  EXPECT_EQ(out.event.deleted_at, kFixtureNowUs);
  EXPECT_EQ(engine_->Get("ws", "order.completed", "o1").status().code(), Status::Code::kNotFound);
  ListQuery q;
  q.workspace_id = "ws";
  q.email = "a@x.io";
  auto list = engine_->List(q);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].external_id, "o2");
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 2000);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kCount).cents, 1);
}

TEST_F(EngineWriteTest, RestoreDoesNotTouchPayload) {
  EventInput in = Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10);
  in.properties_json = R"({"keep":"me"})";
  in.deleted_at = kFixtureNowUs - 1;
  MustUpsert(in);
  clock_.Advance(kSecondUs);
  // An older restore from another email with other properties: only deleted_at changes.
  EventInput restore = Purchase("b@x.io", "o1", kFixtureNowUs - 500, 99);
  restore.properties_json = R"({"other":1})";
  const UpsertOutcome out = MustUpsert(restore);
  EXPECT_TRUE(out.applied);
  EXPECT_FALSE(out.event.deleted_at);
  EXPECT_EQ(out.event.properties_json, R"({"keep":"me"})");
  EXPECT_EQ(out.event.email, "a@x.io");
  EXPECT_EQ(out.event.goal_value_cents, 1000);
  EXPECT_EQ(out.event.occurred_at, kFixtureNowUs - 100);
  EXPECT_EQ(out.event.updated_at, kFixtureNowUs + kSecondUs);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 1000);
  // The restored event is live, so its email now has a contact (D7).
  EXPECT_TRUE(engine_->GetContact("ws", "a@x.io").ok());
  EXPECT_FALSE(engine_->GetContact("ws", "b@x.io").ok());
  const auto timeline = AllTimeline("a@x.io");
  ASSERT_EQ(timeline.size(), 3u);  // contact.created (now), restore, insert (both at occurred_at)
  EXPECT_EQ(timeline[0].kind, "contact.created");
  EXPECT_EQ(timeline[1].operation, "restore");
  EXPECT_EQ(timeline[2].operation, "insert");
}

TEST_F(EngineWriteTest, PureDeleteDoesNotTouchPayload) {
  EventInput in = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 100);
  in.properties_json = R"({"keep":"me"})";
  MustUpsert(in);
  EventInput del = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 200);
  del.deleted_at = kFixtureNowUs;
  const UpsertOutcome out = MustUpsert(del);
  EXPECT_TRUE(out.applied);
  EXPECT_EQ(out.event.properties_json, R"({"keep":"me"})");
  EXPECT_EQ(out.event.occurred_at, kFixtureNowUs - 100);
  const auto timeline = AllTimeline("a@x.io");
  ASSERT_EQ(timeline.size(), 3u);
  EXPECT_EQ(timeline[1].operation, "delete");
  EXPECT_EQ(
      timeline[1].changes_json,
      R"({"properties":{},"occurred_at":{"old":"2024-05-31T23:59:59.9999Z","new":"2024-05-31T23:59:59.9999Z"},)"
      R"("deleted_at":{"old":null,"new":"2024-06-01T00:00:00Z"}})");
}

TEST_F(EngineWriteTest, RedeleteWithOtherDeletedAtIsAnUpdate) {
  EventInput in = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 100);
  in.deleted_at = kFixtureNowUs - 10;
  MustUpsert(in);
  in.deleted_at = kFixtureNowUs - 5;
  EXPECT_TRUE(MustUpsert(in).applied);
  EXPECT_EQ(AllTimeline("a@x.io")[0].operation, "update");
}

TEST_F(EngineWriteTest, NewerWriteThatDeletesCarriesItsOtherChanges) {
  EventInput in = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 100);
  in.properties_json = R"({"a":1})";
  MustUpsert(in);
  EventInput del = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 50);
  del.properties_json = R"({"a":2})";
  del.deleted_at = kFixtureNowUs;
  const UpsertOutcome out = MustUpsert(del);
  EXPECT_EQ(out.event.properties_json, R"({"a":2})");
  const auto entry = AllTimeline("a@x.io").at(1);
  EXPECT_EQ(entry.operation, "delete");
  EXPECT_NE(entry.changes_json.find(R"("properties":{"a":{"old":1,"new":2}})"), std::string::npos)
      << entry.changes_json;
}

TEST_F(EngineWriteTest, EmailMoveUpdatesBothContactsAggregates) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10));
  MustUpsert(Purchase("a@x.io", "o2", kFixtureNowUs - 100, 5));
  EXPECT_EQ(Agg("a@x.io", std::nullopt, AggregateOp::kSum).cents, 1500);
  const UpsertOutcome out = MustUpsert(Purchase("B@X.io", "o1", kFixtureNowUs - 50, 10));
  EXPECT_EQ(out.event.email, "b@x.io");
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 500);
  EXPECT_EQ(Agg("b@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 1000);
  ListQuery q;
  q.workspace_id = "ws";
  q.email = "a@x.io";
  EXPECT_EQ(engine_->List(q)->size(), 1u);
  q.email = "b@x.io";
  ASSERT_EQ(engine_->List(q)->size(), 1u);
  EXPECT_EQ(engine_->List(q)->at(0).external_id, "o1");
}

TEST_F(EngineWriteTest, EmailMoveWritesTheUpdateOnBothTimelines) {
  MustUpsert(Input("a@x.io", "page.view", "p1", kFixtureNowUs - 100));
  MustUpsert(Input("b@x.io", "page.view", "p1", kFixtureNowUs - 50));
  const auto a = AllTimeline("a@x.io");
  const auto b = AllTimeline("b@x.io");
  ASSERT_EQ(a.size(), 3u);  // contact.created (now), moved-away update, insert
  ASSERT_EQ(b.size(), 2u);  // contact.created (now), update
  EXPECT_EQ(b[1].operation, "update");
  EXPECT_EQ(a[1].operation, "update");
  EXPECT_EQ(a[1].changes_json, b[1].changes_json);
  EXPECT_NE(b[1].changes_json.find(R"("email":{"old":"a@x.io","new":"b@x.io"})"), std::string::npos)
      << b[1].changes_json;
  EXPECT_NE(a[1].id, b[1].id);
  EXPECT_EQ(a[2].operation, "insert");
}

TEST_F(EngineWriteTest, ContactIsAutoCreatedWithContactCreatedEntry) {
  clock_.Advance(7);
  MustUpsert(Input("New@X.io ", "signup", "s1", kFixtureNowUs - kDayUs));
  auto contact = engine_->GetContact("ws", "new@x.io");
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->email, "new@x.io");
  EXPECT_EQ(contact->created_at, kFixtureNowUs + 7);
  const auto timeline = AllTimeline("new@x.io");
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].kind, "contact.created");  // created_at = now, newer than the event
  EXPECT_EQ(timeline[0].entity_type, "contact");
  EXPECT_EQ(timeline[0].changes_json, "null");
  EXPECT_EQ(timeline[0].created_at, kFixtureNowUs + 7);
  EXPECT_EQ(timeline[1].kind, "custom_event.signup");
}

TEST_F(EngineWriteTest, DeletedEventDoesNotCreateContact) {
  EventInput in = Input("a@x.io", "signup", "s1", kFixtureNowUs - 10);
  in.deleted_at = kFixtureNowUs;
  MustUpsert(in);
  EXPECT_EQ(engine_->GetContact("ws", "a@x.io").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(AllTimeline("a@x.io").size(), 1u);  // the insert entry only
}

TEST_F(EngineWriteTest, RejectedUpsertChangesNothing) {
  EventInput in = Input("a@x.io", "Bad Name", "s1", kFixtureNowUs - 10);
  auto r = engine_->Upsert("ws", in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "validation error: invalid custom event: event_name must contain only lowercase "
            "letters, numbers, underscores, dots, and slashes");
  EXPECT_EQ(engine_->GetContact("ws", "a@x.io").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(log_->last_lsn(), 0u);
  EXPECT_EQ(engine_->GetStats().contacts, 0u);
}

TEST_F(EngineWriteTest, ImportAutoCreatesContactsAndKeepsSourceAndCreatedAt) {
  std::vector<EventInput> events = {Input("a@x.io", "signup", "s1", kFixtureNowUs - 10),
                                    Input("b@x.io", "signup", "s2", kFixtureNowUs - 10)};
  events[0].source = "shopify";
  events[0].created_at = kFixtureNowUs - kDayUs;
  const ImportOutcome out = engine_->Import("ws", events);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.event_ids, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_TRUE(engine_->GetContact("ws", "a@x.io").ok());
  EXPECT_TRUE(engine_->GetContact("ws", "b@x.io").ok());
  auto s1 = engine_->Get("ws", "signup", "s1");
  EXPECT_EQ(s1->source, "shopify");
  EXPECT_EQ(s1->created_at, kFixtureNowUs - kDayUs);
  EXPECT_EQ(engine_->Get("ws", "signup", "s2")->source, "api");
  EXPECT_EQ(log_->last_lsn(), 1u);  // one record for the whole import
}

TEST_F(EngineWriteTest, ImportIsAllOrNothingAndReportsEveryInvalidElement) {
  std::vector<EventInput> events = {Input("a@x.io", "signup", "s1", kFixtureNowUs - 10),
                                    Input("a@x.io", "signup", "", kFixtureNowUs - 10),
                                    Input("a@x.io", "signup", "s3", kFixtureNowUs - 10),
                                    Input("a@x.io", "BAD", "s4", kFixtureNowUs - 10)};
  const ImportOutcome out = engine_->Import("ws", events);
  EXPECT_EQ(out.status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out.status.message(), "validation error: event at index 1: external_id is required");
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[1].index, 3u);
  EXPECT_EQ(out.errors[1].error,
            "validation error: invalid event at index 3: event_name must contain only lowercase "
            "letters, numbers, underscores, dots, and slashes");
  EXPECT_EQ(log_->last_lsn(), 0u);
  EXPECT_FALSE(engine_->Get("ws", "signup", "s1").ok());
}

TEST_F(EngineWriteTest, ImportLimitsAreEnforced) {
  EXPECT_EQ(engine_->Import("ws", {}).status.message(),
            "validation error: invalid request: events array cannot be empty");
  std::vector<EventInput> events;
  for (int i = 0; i < 51; ++i) {
    std::string id = "s";
    id += std::to_string(i);  // "s" + std::to_string(i) trips a GCC 12 -Wrestrict false alarm
    events.push_back(Input("a@x.io", "signup", id, kFixtureNowUs));
  }
  EXPECT_EQ(engine_->Import("ws", events).status.message(),
            "validation error: invalid request: cannot import more than 50 events at once");
  events.pop_back();
  EXPECT_TRUE(engine_->Import("ws", events).status.ok());
  EXPECT_EQ(engine_->GetStats().events, 50u);
}

TEST_F(EngineWriteTest, ImportWithOnlyStaleEventsAppendsNothing) {
  MustUpsert(Input("a@x.io", "signup", "s1", kFixtureNowUs - 10));
  const ImportOutcome out =
      engine_->Import("ws", {Input("a@x.io", "signup", "s1", kFixtureNowUs - 20)});
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.event_ids, std::vector<std::string>{"s1"});
  EXPECT_EQ(log_->last_lsn(), 1u);
}

TEST_F(EngineWriteTest, ImportAppliesDuplicateKeysInOrder) {
  std::vector<EventInput> events = {Input("a@x.io", "signup", "s1", kFixtureNowUs - 10),
                                    Input("b@x.io", "signup", "s1", kFixtureNowUs - 5),
                                    Input("c@x.io", "signup", "s1", kFixtureNowUs - 7)};
  ASSERT_TRUE(engine_->Import("ws", events).status.ok());
  EXPECT_EQ(engine_->Get("ws", "signup", "s1")->email, "b@x.io");
  EXPECT_FALSE(engine_->GetContact("ws", "c@x.io").ok());
}

TEST_F(EngineWriteTest, EmailsAreNormalizedEverywhere) {
  MustUpsert(Purchase("\u00a0 Alice@Example.COM\t", "o1", kFixtureNowUs - 10, 1));
  EXPECT_TRUE(engine_->GetContact("ws", "ALICE@example.com").ok());
  ListQuery q;
  q.workspace_id = "ws";
  q.email = " alice@EXAMPLE.com";
  EXPECT_EQ(engine_->List(q)->size(), 1u);
  EXPECT_EQ(Agg("Alice@Example.com", GoalType::kPurchase, AggregateOp::kSum).cents, 100);
  EXPECT_EQ(AllTimeline("ALICE@EXAMPLE.COM").size(), 2u);
}

TEST_F(EngineWriteTest, EraseContactRemovesEventsTimelineAndAggregates) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10));
  MustUpsert(Purchase("a@x.io", "o2", kFixtureNowUs - 100, 20));
  MustUpsert(Input("a@x.io", "page.view", "moved", kFixtureNowUs - 100));
  MustUpsert(Input("b@x.io", "page.view", "moved", kFixtureNowUs - 50));  // now b's
  ASSERT_TRUE(engine_->EraseContact("ws", "A@x.io").ok());
  EXPECT_FALSE(engine_->GetContact("ws", "a@x.io").ok());
  EXPECT_FALSE(engine_->Get("ws", "order.completed", "o1").ok());
  EXPECT_TRUE(AllTimeline("a@x.io").empty());
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kCount).cents, 0);
  EXPECT_TRUE(engine_->Get("ws", "page.view", "moved").ok());
  ListQuery q;
  q.workspace_id = "ws";
  q.event_name = "order.completed";
  EXPECT_TRUE(engine_->List(q)->empty());
  EXPECT_EQ(engine_->GetStats().events, 1u);
  EXPECT_EQ(engine_->EraseContact("ws", "a@x.io").code(), Status::Code::kNotFound);
  // The key can be written again, as a new event.
  EXPECT_EQ(MustUpsert(Purchase("c@x.io", "o1", kFixtureNowUs - 500, 3)).event.created_at,
            kFixtureNowUs);
}

TEST_F(EngineWriteTest, RefundsReduceTheSum) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 100, 50));
  MustUpsert(Purchase("a@x.io", "r1", kFixtureNowUs - 90, -20.5));
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kSum).cents, 2950);
  EXPECT_EQ(Agg("a@x.io", GoalType::kPurchase, AggregateOp::kMin).cents, -2050);
}

TEST_F(EngineWriteTest, GoalValueIsRoundedFromItsShortestText) {
  EXPECT_EQ(MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs, 1.005)).event.goal_value_cents, 101);
  EXPECT_EQ(MustUpsert(Purchase("a@x.io", "o2", kFixtureNowUs, -0.125)).event.goal_value_cents,
            -13);
  EXPECT_EQ(MustUpsert(Purchase("a@x.io", "o3", kFixtureNowUs, 0.004)).event.goal_value_cents, 0);
}

TEST_F(EngineWriteTest, WritesFailWhenTheLogIsClosed) {
  ASSERT_TRUE(log_->Close().ok());
  auto r = engine_->Upsert("ws", Input("a@x.io", "signup", "s1", kFixtureNowUs));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(engine_->Get("ws", "signup", "s1").ok());
}

TEST_F(EngineWriteTest, WritesReportTheLsnOfTheirRecordAndNoneForNoops) {
  const EventInput in = Purchase("a@x.io", "o1", kFixtureNowUs - kDayUs, 10);
  auto first = engine_->Upsert("ws", in, Durability::kDeferred);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->applied);
  EXPECT_EQ(first->lsn, log_->last_lsn());
  auto again = engine_->Upsert("ws", in, Durability::kDeferred);  // same state: a no-op
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->applied);
  EXPECT_EQ(again->lsn, 0u);

  const std::vector<EventInput> batch = {Purchase("b@x.io", "o2", kFixtureNowUs, 5),
                                         Purchase("c@x.io", "o3", kFixtureNowUs, 6)};
  const ImportOutcome imported = engine_->Import("ws", batch, Durability::kDeferred);
  ASSERT_TRUE(imported.status.ok()) << imported.status.ToString();
  EXPECT_EQ(imported.lsn, log_->last_lsn());
  EXPECT_GT(imported.lsn, first->lsn);
  const ImportOutcome repeated = engine_->Import("ws", batch);
  ASSERT_TRUE(repeated.status.ok());
  EXPECT_EQ(repeated.lsn, 0u);
  // A deferred write is applied at once: readers see it before it is durable.
  EXPECT_TRUE(engine_->Get("ws", "order.completed", "o3").ok());
}

}  // namespace
}  // namespace tally::engine
