#include "net/response_encoder.h"

#include <gtest/gtest.h>

namespace tally::net {
namespace {

constexpr engine::TimeUs kT = 1714557600LL * 1'000'000;  // 2024-05-01T10:00:00Z

engine::Event MinimalEvent() {
  engine::Event e;
  e.external_id = "o-1";
  e.email = "a@x.com";
  e.event_name = "orders/completed";
  e.properties_json = "{}";
  e.occurred_at = kT;
  e.source = "api";
  e.created_at = kT + 1;
  e.updated_at = kT + 120000;
  return e;
}

TEST(ResponseEncoderTest, MinimalEventOmitsEmptyOptionalFields) {
  EXPECT_EQ(EncodeEventResponse(MinimalEvent()),
            R"({"event":{"external_id":"o-1","email":"a@x.com","event_name":"orders/completed",)"
            R"("properties":{},"occurred_at":"2024-05-01T10:00:00Z","source":"api",)"
            R"("created_at":"2024-05-01T10:00:00.000001Z","updated_at":"2024-05-01T10:00:00.12Z"}})"
            "\n");
}

TEST(ResponseEncoderTest, FullEventKeepsNotifuseKeyOrder) {
  engine::Event e = MinimalEvent();
  e.properties_json = R"({"x":1.50})";
  e.integration_id.emplace("shop");
  e.goal_name.emplace("g");
  e.goal_type = engine::GoalType::kPurchase;
  e.goal_value_cents = 0;
  e.deleted_at = kT;
  std::string out;
  AppendEvent(out, e);
  EXPECT_EQ(out,
            R"({"external_id":"o-1","email":"a@x.com","event_name":"orders/completed",)"
            R"("properties":{"x":1.50},"occurred_at":"2024-05-01T10:00:00Z","source":"api",)"
            R"("integration_id":"shop","goal_name":"g","goal_type":"purchase","goal_value":0,)"
            R"("deleted_at":"2024-05-01T10:00:00Z","created_at":"2024-05-01T10:00:00.000001Z",)"
            R"("updated_at":"2024-05-01T10:00:00.12Z"})");
}

TEST(ResponseEncoderTest, StringsAreHtmlEscaped) {
  engine::Event e = MinimalEvent();
  e.external_id = "<x&y>";
  EXPECT_NE(EncodeEventResponse(e).find(R"("external_id":"\u003cx\u0026y\u003e")"),
            std::string::npos);
}

TEST(ResponseEncoderTest, EmptyListIsAnArray) {
  EXPECT_EQ(EncodeEventListResponse({}), "{\"events\":[],\"count\":0}\n");
}

TEST(ResponseEncoderTest, ImportResponseListsIdsInOrder) {
  EXPECT_EQ(EncodeImportResponse({"b", "a", "b"}),
            "{\"event_ids\":[\"b\",\"a\",\"b\"],\"count\":3}\n");
}

TEST(ResponseEncoderTest, ImportErrorsListEveryElement) {
  EXPECT_EQ(EncodeImportErrors("first", {{1, "e1"}, {4, "e4"}}),
            R"({"error":"first","errors":[{"index":1,"error":"e1"},{"index":4,"error":"e4"}]})"
            "\n");
}

TEST(ResponseEncoderTest, TimelineIsNullWhenEmptyAndCursorOmittedOnLastPage) {
  EXPECT_EQ(EncodeTimelineResponse({}), "{\"timeline\":null}\n");
  engine::TimelinePage page;
  engine::TimelineEntry t;
  t.id = "1";
  t.email = "a@x.com";
  t.operation = "insert";
  t.entity_type = "custom_event";
  t.kind = "custom_event.orders";
  t.changes_json = R"({"event_name":{"new":"orders"}})";
  t.entity_id = "o-1";
  t.created_at = kT;
  t.db_created_at = kT;
  page.entries.push_back(t);
  page.next_cursor = "abc=";
  EXPECT_EQ(EncodeTimelineResponse(page),
            R"({"timeline":[{"id":"1","email":"a@x.com","operation":"insert",)"
            R"("entity_type":"custom_event","kind":"custom_event.orders",)"
            R"("changes":{"event_name":{"new":"orders"}},"entity_id":"o-1",)"
            R"("created_at":"2024-05-01T10:00:00Z","db_created_at":"2024-05-01T10:00:00Z"}],)"
            R"("next_cursor":"abc="})"
            "\n");
}

TEST(ResponseEncoderTest, ContactCarriesSegments) {
  engine::Contact c;
  c.email = "a@x.com";
  c.created_at = kT;
  c.updated_at = kT;
  c.segments.push_back({"seg1", 2, kT, kT});
  EXPECT_EQ(EncodeContactResponse(c),
            R"({"contact":{"email":"a@x.com","created_at":"2024-05-01T10:00:00Z",)"
            R"("updated_at":"2024-05-01T10:00:00Z","contact_lists":[],"contact_segments":[)"
            R"({"email":"a@x.com","segment_id":"seg1","version":2,)"
            R"("matched_at":"2024-05-01T10:00:00Z","computed_at":"2024-05-01T10:00:00Z"}]}})"
            "\n");
}

TEST(ResponseEncoderTest, ErrorBody) {
  EXPECT_EQ(EncodeError("Method not allowed"), "{\"error\":\"Method not allowed\"}\n");
}

}  // namespace
}  // namespace tally::net
