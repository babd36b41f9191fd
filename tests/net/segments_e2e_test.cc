// End-to-end tests of the segments.* endpoints against the real binary: the Notifuse shapes of
// every success, membership seen through contacts.getByEmail and timeline.list, and each error
// (validation 400, 401, 403, 404, 405, 409).
#include <string>

#include "tests/net/e2e_fixture.h"

namespace tally::net::testing {
namespace {

using SegmentsE2eTest = E2eTest;

const std::string kVipTree =
    R"({"kind":"leaf","leaf":{"source":"custom_events_goals","custom_events_goal":)"
    R"({"goal_type":"purchase","aggregate_operator":"sum","operator":"gte","value":100,)"
    R"("timeframe_operator":"anytime"}}})";

std::string Purchase(const std::string& id, const std::string& email, const std::string& value) {
  return UpsertBody(id, email, R"(,"goal_type":"purchase","goal_value":)" + value);
}

std::string SegmentBody(const std::string& id, const std::string& tree) {
  return R"({"workspace_id":"ws","id":")" + id + R"(","name":"VIP","color":"#f00","tree":)" + tree +
         R"(,"timezone":"Europe/Paris"})";
}

std::string Error(const std::string& message) {
  return "{\"error\":\"" + message + "\"}\n";
}

TEST_F(SegmentsE2eTest, SegmentLifecycleInNotifuseShapes) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, Purchase("o1", "a@x.io", "150"))).status,
            200u);
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, Purchase("o2", "b@x.io", "50"))).status,
            200u);
  HttpReply created = Call(Post("/api/segments.create", admin_, SegmentBody("vip", kVipTree)));
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.headers["content-type"], "application/json");
  const std::string prefix = R"({"segment":{"id":"vip","name":"VIP","color":"#f00","tree":)" +
                             kVipTree +
                             R"(,"timezone":"Europe/Paris","version":1,"status":"active",)";
  EXPECT_EQ(created.body.substr(0, prefix.size()), prefix);
  EXPECT_NE(created.body.find(R"("users_count":1})"), std::string::npos) << created.body;

  HttpReply got = Call(Get("/api/segments.get?workspace_id=ws&id=vip", read_only_));
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.body, created.body);
  HttpReply listed = Call(Get("/api/segments.list?workspace_id=ws", read_only_));
  EXPECT_NE(listed.body.find(R"("users_count":0})"), std::string::npos) << listed.body;
  listed = Call(Get("/api/segments.list?workspace_id=ws&with_count=true", read_only_));
  EXPECT_EQ(listed.body.substr(0, 20), R"({"segments":[{"id":")");
  EXPECT_NE(listed.body.find(R"("users_count":1})"), std::string::npos) << listed.body;

  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws&segment_id=vip", read_only_)).body,
            "{\"emails\":[\"a@x.io\"],\"limit\":50,\"offset\":0}\n");
  HttpReply contact = Call(Get("/api/contacts.getByEmail?workspace_id=ws&email=a@x.io", admin_));
  EXPECT_NE(contact.body.find(R"("contact_segments":[{"email":"a@x.io","segment_id":"vip",)"),
            std::string::npos)
      << contact.body;
  HttpReply timeline = Call(Get("/api/timeline.list?workspace_id=ws&email=a@x.io", admin_));
  EXPECT_NE(timeline.body.find(R"("entity_type":"contact_segment","kind":"segment.joined")"),
            std::string::npos)
      << timeline.body;

  const std::string everyone =
      R"({"kind":"leaf","leaf":{"source":"custom_events_goals","custom_events_goal":)"
      R"({"goal_type":"*","aggregate_operator":"count","operator":"gte","value":1,)"
      R"("timeframe_operator":"anytime"}}})";
  HttpReply preview = Call(Post("/api/segments.preview", read_only_,
                                R"({"workspace_id":"ws","limit":1,"tree":)" + everyone + "}"));
  EXPECT_EQ(preview.body,
            "{\"emails\":[\"a@x.io\"],\"total_count\":2,\"limit\":1,\"generated_sql\":\"\","
            "\"sql_args\":[]}\n");

  HttpReply updated = Call(Post("/api/segments.update", admin_, SegmentBody("vip", everyone)));
  ASSERT_EQ(updated.status, 200u) << updated.body;
  EXPECT_NE(updated.body.find(R"("version":2)"), std::string::npos);
  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws&segment_id=vip&limit=1&offset=1",
                     read_only_))
                .body,
            "{\"emails\":[\"b@x.io\"],\"limit\":1,\"offset\":1}\n");
  EXPECT_EQ(
      Call(Post("/api/segments.rebuild", admin_, R"({"workspace_id":"ws","segment_id":"vip"})"))
          .body,
      "{\"success\":true,\"message\":\"Segment rebuild has been queued\"}\n");
  EXPECT_EQ(Call(Post("/api/segments.delete", admin_, R"({"workspace_id":"ws","id":"vip"})")).body,
            "{\"success\":true}\n");
  got = Call(Get("/api/segments.get?workspace_id=ws&id=vip", read_only_));
  EXPECT_NE(got.body.find(R"("status":"deleted")"), std::string::npos) << got.body;
  EXPECT_EQ(Call(Get("/api/segments.list?workspace_id=ws", read_only_)).body,
            "{\"segments\":[]}\n");
}

TEST_F(SegmentsE2eTest, DefinitionsSurviveARestart) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, Purchase("o1", "a@x.io", "150"))).status,
            200u);
  ASSERT_EQ(Call(Post("/api/segments.create", admin_, SegmentBody("vip", kVipTree))).status, 201u);
  server_.reset();
  StartServer();
  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws&segment_id=vip", read_only_)).body,
            "{\"emails\":[\"a@x.io\"],\"limit\":50,\"offset\":0}\n");
}

TEST_F(SegmentsE2eTest, ValidationErrorsAre400WithAMessage) {
  EXPECT_EQ(Call(Post("/api/segments.create", admin_, "{")).body, Error("Invalid request body"));
  EXPECT_EQ(Call(Post("/api/segments.create", admin_, R"({"id":"x"})")).body,
            Error("workspace_id is required"));
  HttpReply r = Call(Post("/api/segments.create", admin_,
                          SegmentBody("vip", R"({"kind":"leaf","leaf":{"source":"contacts"}})")));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, Error("invalid create segment request: invalid tree: unsupported source: "
                          "contacts"));
  EXPECT_EQ(Call(Post("/api/segments.create", admin_, SegmentBody("Bad-Id", kVipTree))).status,
            400u);
  EXPECT_EQ(Call(Post("/api/segments.preview", admin_, R"({"workspace_id":"ws"})")).body,
            Error("tree is required"));
  r = Call(Post("/api/segments.preview", admin_, R"({"workspace_id":"ws","tree":{"kind":"x"}})"));
  EXPECT_EQ(r.body, Error("invalid preview segment request: invalid tree node kind: x (must be "
                          "'branch' or 'leaf')"));
  EXPECT_EQ(Call(Post("/api/segments.rebuild", admin_, R"({"workspace_id":"ws"})")).body,
            Error("segment_id is required"));
  EXPECT_EQ(Call(Post("/api/segments.delete", admin_, R"({"workspace_id":"ws"})")).body,
            Error("id is required"));
  EXPECT_EQ(Call(Get("/api/segments.get?workspace_id=ws", admin_)).body, Error("id is required"));
  EXPECT_EQ(Call(Get("/api/segments.list", admin_)).body, Error("workspace_id is required"));
  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws", admin_)).body,
            Error("segment_id is required"));
  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws&segment_id=s&limit=x", admin_)).body,
            Error("limit must be a non-negative integer"));
  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws&segment_id=s&offset=-1", admin_)).body,
            Error("offset must be a non-negative integer"));
}

TEST_F(SegmentsE2eTest, UnknownSegmentsAre404AndDuplicatesAre409) {
  const std::string not_found = Error("Segment not found");
  EXPECT_EQ(Call(Get("/api/segments.get?workspace_id=ws&id=nope", admin_)).body, not_found);
  EXPECT_EQ(Call(Post("/api/segments.update", admin_, SegmentBody("nope", kVipTree))).status, 404u);
  EXPECT_EQ(Call(Post("/api/segments.delete", admin_, R"({"workspace_id":"ws","id":"nope"})")).body,
            not_found);
  EXPECT_EQ(
      Call(Post("/api/segments.rebuild", admin_, R"({"workspace_id":"ws","segment_id":"nope"})"))
          .status,
      404u);
  EXPECT_EQ(Call(Get("/api/segments.contacts?workspace_id=ws&segment_id=nope", admin_)).status,
            404u);
  ASSERT_EQ(Call(Post("/api/segments.create", admin_, SegmentBody("vip", kVipTree))).status, 201u);
  HttpReply dup = Call(Post("/api/segments.create", admin_, SegmentBody("vip", kVipTree)));
  EXPECT_EQ(dup.status, 409u);
  EXPECT_EQ(dup.body, Error("Segment already exists"));
}

TEST_F(SegmentsE2eTest, SegmentsAreAuthorizedPerWorkspaceAndScope) {
  EXPECT_EQ(Call(Post("/api/segments.create", read_only_, SegmentBody("vip", kVipTree))).status,
            403u);
  EXPECT_EQ(Call(Post("/api/segments.create", other_, SegmentBody("vip", kVipTree))).status, 403u);
  EXPECT_EQ(Call(Get("/api/segments.list?workspace_id=ws", write_only_)).status, 403u);
  EXPECT_EQ(Call(Get("/api/segments.list?workspace_id=ws", other_)).status, 403u);
  HttpCall anonymous = Get("/api/segments.list?workspace_id=ws", admin_);
  anonymous.headers.clear();
  EXPECT_EQ(Call(anonymous).status, 401u);
  EXPECT_EQ(Call(Get("/api/segments.create", admin_)).status, 405u);
  EXPECT_EQ(Call(Post("/api/segments.get", admin_, "{}")).status, 405u);
}

}  // namespace
}  // namespace tally::net::testing
