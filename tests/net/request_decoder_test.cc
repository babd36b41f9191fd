#include "net/request_decoder.h"

#include <string>

#include <gtest/gtest.h>

namespace tally::net {
namespace {

bool IsInvalidBody(const Status& s) {
  return s.IsInvalidArgument() && s.message() == kInvalidRequestBody;
}

TEST(RequestDecoderTest, DecodesEveryUpsertField) {
  Result<UpsertBody> r = DecodeUpsertBody(R"({
    "workspace_id": "ws", "email": "A@x.com", "event_name": "orders/completed",
    "external_id": "o-1", "properties": {"items": 3, "price": 1.50},
    "occurred_at": "2024-05-01T10:00:00Z", "integration_id": "shop",
    "goal_name": "first", "goal_type": "purchase", "goal_value": 99.99,
    "deleted_at": "2024-05-02T10:00:00Z", "source": "ignored-on-upsert"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->workspace_id, "ws");
  const engine::EventInput& e = r->event;
  EXPECT_EQ(e.email, "A@x.com");
  EXPECT_EQ(e.event_name, "orders/completed");
  EXPECT_EQ(e.external_id, "o-1");
  EXPECT_EQ(e.properties_json, R"({"items":3,"price":1.50})");
  EXPECT_EQ(e.properties_depth, 1u);
  EXPECT_EQ(e.occurred_at, 1714557600LL * 1'000'000);
  EXPECT_EQ(e.integration_id, "shop");
  EXPECT_EQ(e.goal_name, "first");
  EXPECT_EQ(e.goal_type, "purchase");
  EXPECT_DOUBLE_EQ(*e.goal_value, 99.99);
  EXPECT_EQ(e.deleted_at, (1714557600LL + 86400) * 1'000'000);
  EXPECT_FALSE(e.source.has_value());
}

TEST(RequestDecoderTest, MatchesKeysCaseInsensitivelyAndIgnoresUnknownOnes) {
  Result<UpsertBody> r =
      DecodeUpsertBody(R"({"WORKSPACE_ID":"ws","Email":"a@x.com","unknown":[1,{"x":2}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->workspace_id, "ws");
  EXPECT_EQ(r->event.email, "a@x.com");
}

TEST(RequestDecoderTest, ReadsOnlyTheFirstValue) {
  Result<UpsertBody> r = DecodeUpsertBody(R"({"email":"a@x.com"} trailing garbage {)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event.email, "a@x.com");
}

TEST(RequestDecoderTest, NullLeavesFieldsUnsetAndPropertiesEmpty) {
  Result<UpsertBody> r =
      DecodeUpsertBody(R"({"email":null,"properties":null,"goal_value":null,"occurred_at":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event.email, "");
  EXPECT_EQ(r->event.properties_json, "{}");
  EXPECT_FALSE(r->event.goal_value.has_value());
  EXPECT_FALSE(r->event.occurred_at.has_value());
}

TEST(RequestDecoderTest, RejectsWhatGoRejectsAsInvalidBody) {
  for (const char* bad : {
           "",
           "{",
           "[]",
           R"("text")",
           R"({"email": 5})",
           R"({"properties": [1]})",
           R"({"properties": "x"})",
           R"({"goal_value": "9"})",
           R"({"occurred_at": "2024-05-01"})",
           R"({"occurred_at": 17})",
           R"({"deleted_at": "yesterday"})",
           R"({"email": "a",})",
       }) {
    EXPECT_TRUE(IsInvalidBody(DecodeUpsertBody(bad).status())) << bad;
  }
}

TEST(RequestDecoderTest, RejectsInvalidUtf8) {
  std::string body = "{\"email\":\"a\xff\xfe@x.com\"}";
  EXPECT_TRUE(IsInvalidBody(DecodeUpsertBody(body).status()));
}

TEST(RequestDecoderTest, RejectsNonFiniteNumbersAnywhere) {
  EXPECT_TRUE(IsInvalidBody(DecodeUpsertBody(R"({"goal_value": 1e400})").status()));
  EXPECT_TRUE(IsInvalidBody(DecodeUpsertBody(R"({"properties": {"x": -1e400}})").status()));
}

TEST(RequestDecoderTest, RejectsNestingBeyondTheBodyLimit) {
  std::string deep = R"({"properties":)" + std::string(kBodyNestingMax, '[') +
                     std::string(kBodyNestingMax, ']') + "}";
  EXPECT_TRUE(IsInvalidBody(DecodeUpsertBody(deep).status()));
}

TEST(RequestDecoderTest, MeasuresPropertiesDepthForTheEngineLimit) {
  std::string props = R"({"a":)" + std::string(32, '[') + std::string(32, ']') + "}";
  Result<UpsertBody> r = DecodeUpsertBody(R"({"properties":)" + props + "}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event.properties_depth, 33u);
}

TEST(RequestDecoderTest, PropertiesKeepNumberTextAndLastDuplicateWins) {
  Result<UpsertBody> r = DecodeUpsertBody(
      R"({"properties": {"old": 1}, "PROPERTIES": {"big": 123456789012345678901234567890, "f": 1.10}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event.properties_json, R"({"big":123456789012345678901234567890,"f":1.10})");
}

TEST(RequestDecoderTest, EscapedKeysMatchTheirFields) {
  Result<UpsertBody> r =
      DecodeUpsertBody(R"({"propert\u0069es": {"a": 1.0}, "em\u0061il": "a@x.com"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event.properties_json, R"({"a":1.0})");
  EXPECT_EQ(r->event.email, "a@x.com");
}

TEST(RequestDecoderTest, DecodesImportElementsWithImportOnlyFields) {
  Result<ImportBody> r = DecodeImportBody(R"({"workspace_id":"ws","events":[
      {"external_id":"a","source":"shopify","created_at":"2024-01-01T00:00:00Z",
       "updated_at":"2024-01-02T00:00:00Z","properties":{"n":[1, 2]}},
      null,
      {"external_id":"c"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->workspace_id, "ws");
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].source, "shopify");
  EXPECT_EQ(r->events[0].created_at, 1704067200LL * 1'000'000);
  EXPECT_EQ(r->events[0].properties_json, R"({"n":[1,2]})");
  EXPECT_EQ(r->events[0].properties_depth, 2u);
  EXPECT_EQ(r->null_indexes, std::vector<std::size_t>{1});
  EXPECT_EQ(r->events[2].external_id, "c");
}

TEST(RequestDecoderTest, ImportRejectsNonArrayEventsAndNonObjectElements) {
  EXPECT_TRUE(IsInvalidBody(DecodeImportBody(R"({"events": {}})").status()));
  EXPECT_TRUE(IsInvalidBody(DecodeImportBody(R"({"events": [1]})").status()));
  EXPECT_TRUE(IsInvalidBody(DecodeImportBody(R"({"events": [{"updated_at": "2024"}]})").status()));
}

TEST(RequestDecoderTest, ImportWithoutEventsDecodesToAnEmptyList) {
  Result<ImportBody> r = DecodeImportBody(R"({"workspace_id":"ws","events":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->events.empty());
}

TEST(RequestDecoderTest, DecodesContactBody) {
  Result<ContactBody> r = DecodeContactBody(R"({"workspace_id":"ws","email":"a@x.com"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->workspace_id, "ws");
  EXPECT_EQ(r->email, "a@x.com");
  EXPECT_TRUE(IsInvalidBody(DecodeContactBody(R"({"email":1})").status()));
}

}  // namespace
}  // namespace tally::net
