// End-to-end tests of the customEvents.*, timeline and contacts endpoints: success shapes and
// every error of the contract, against the real binary.
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "tests/net/e2e_fixture.h"

namespace tally::net::testing {
namespace {

using EventsE2eTest = E2eTest;

std::string Error(const std::string& message) {
  return "{\"error\":\"" + message + "\"}\n";
}

TEST_F(EventsE2eTest, UpsertReturnsTheStoredEventInNotifuseShape) {
  HttpReply r = Call(Post("/api/customEvents.upsert", admin_,
                          UpsertBody("o-1", " Alice@Example.COM ",
                                     R"(,"properties":{"price":1.50,"tag":"<b>"},)"
                                     R"("goal_type":"purchase","goal_value":99.994,)"
                                     R"("integration_id":"shop")")));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  ASSERT_EQ(r.body.back(), '\n');
  std::string prefix =
      R"({"event":{"external_id":"o-1","email":"alice@example.com","event_name":"orders/completed",)"
      R"("properties":{"price":1.50,"tag":"\u003cb\u003e"},"occurred_at":"2024-05-01T10:00:00Z",)"
      R"("source":"api","integration_id":"shop","goal_type":"purchase","goal_value":99.99,)"
      R"("created_at":")";
  EXPECT_EQ(r.body.substr(0, prefix.size()), prefix);
}

TEST_F(EventsE2eTest, CreateIsAnAliasOfUpsert) {
  ASSERT_EQ(Call(Post("/api/customEvents.create", admin_, UpsertBody("c-1"))).status, 200u);
  EXPECT_EQ(Call(Get("/api/customEvents.get?workspace_id=ws&event_name=orders/completed"
                     "&external_id=c-1",
                     admin_))
                .status,
            200u);
}

TEST_F(EventsE2eTest, UndecodableBodiesAre400InvalidRequestBody) {
  std::string deep =
      R"({"workspace_id":"ws","properties":)" + std::string(64, '[') + std::string(64, ']') + "}";
  for (const std::string& body :
       std::vector<std::string>{"{", "", "[1]", R"({"workspace_id":"ws","email":7})",
                                R"({"workspace_id":"ws","properties":[]})",
                                R"({"workspace_id":"ws","goal_value":1e400})",
                                R"({"workspace_id":"ws","occurred_at":"2024-05-01"})",
                                "{\"workspace_id\":\"ws\",\"email\":\"\xc3\x28@x.com\"}", deep}) {
    HttpReply r = Call(Post("/api/customEvents.upsert", admin_, body));
    EXPECT_EQ(r.status, 400u) << body;
    EXPECT_EQ(r.body, Error("Invalid request body")) << body;
  }
}

TEST_F(EventsE2eTest, ValidationErrorsKeepNotifuseMessages) {
  struct Case {
    std::string body;
    std::string error;
  };
  std::string props33 = "{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}";
  for (
      const Case& c : std::vector<Case>{
          {R"({"email":"a@x.com"})", "validation error: invalid request: workspace_id is required"},
          {R"({"workspace_id":"ws","event_name":"e","external_id":"x"})",
           "validation error: invalid request: email is required"},
          {R"({"workspace_id":"ws","email":"a@x.com","external_id":"x"})",
           "validation error: invalid request: event_name is required"},
          {R"({"workspace_id":"ws","email":"a@x.com","event_name":"e"})",
           "validation error: invalid request: external_id is required"},
          {UpsertBody("x", "a@x.com", R"(,"goal_type":"invalid_type")"),
           "validation error: invalid request: goal_type must be one of: [purchase subscription "
           "lead signup booking trial other]"},
          {UpsertBody("x", "a@x.com", R"(,"goal_type":"purchase")"),
           "validation error: invalid request: goal_value is required for goal_type 'purchase'"},
          {R"({"workspace_id":"ws","email":"a@x.com","event_name":"Invalid Event Name!","external_id":"x"})",
           "validation error: invalid custom event: event_name must contain only lowercase "
           "letters, numbers, underscores, dots, and slashes"},
          {UpsertBody("x", "a@x.com", ",\"properties\":" + props33),
           "validation error: invalid request: properties must be nested 32 levels or less"},
      }) {
    HttpReply r = Call(Post("/api/customEvents.upsert", admin_, c.body));
    EXPECT_EQ(r.status, 400u) << c.body;
    EXPECT_EQ(r.body, Error(c.error)) << c.body;
  }
}

std::string ImportBody(int n, const std::string& extra_element = "") {
  std::string events;
  for (int i = 0; i < n; ++i) {
    if (i > 0) {
      events.push_back(',');
    }
    events.append(
        R"({"email":"bob@example.com","event_name":"orders/completed","external_id":"i-)");
    events.append(std::to_string(i));
    events.append(R"(","occurred_at":"2024-05-01T10:00:00Z"})");
  }
  if (!extra_element.empty()) {
    if (n > 0) {
      events.push_back(',');
    }
    events.append(extra_element);
  }
  std::string body = R"({"workspace_id":"ws","events":[)";
  body.append(events);
  body.append("]}");
  return body;
}

TEST_F(EventsE2eTest, ImportReturns201WithIdsInRequestOrder) {
  HttpReply r = Call(Post("/api/customEvents.import", admin_, ImportBody(3)));
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, "{\"event_ids\":[\"i-0\",\"i-1\",\"i-2\"],\"count\":3}\n");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(Call(Post("/api/customEvents.import", admin_, ImportBody(50))).status, 201u);
}

TEST_F(EventsE2eTest, ImportLimitsAndEmptyBatchAre400) {
  EXPECT_EQ(Call(Post("/api/customEvents.import", admin_, ImportBody(51))).body,
            Error("validation error: invalid request: cannot import more than 50 events at once"));
  EXPECT_EQ(Call(Post("/api/customEvents.import", admin_, ImportBody(0))).body,
            Error("validation error: invalid request: events array cannot be empty"));
}

TEST_F(EventsE2eTest, ImportNullElementIs400NamingItsIndex) {
  HttpReply r = Call(Post("/api/customEvents.import", admin_, ImportBody(2, "null")));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body,
            R"({"error":"validation error: event at index 2: event must be an object, not null",)"
            R"("errors":[{"index":2,"error":"validation error: event at index 2: event must be an )"
            R"(object, not null"}]})"
            "\n");
}

TEST_F(EventsE2eTest, ImportNullElementIsReportedWithEveryOtherInvalidElement) {
  // Element 1 lacks its external_id and element 2 is null: the first invalid element gives the
  // message, and errors lists both (D12).
  std::string body = ImportBody(1, R"({"email":"x@example.com","event_name":"e"},null)");
  HttpReply r = Call(Post("/api/customEvents.import", admin_, body));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body,
            R"({"error":"validation error: event at index 1: external_id is required",)"
            R"("errors":[{"index":1,"error":"validation error: event at index 1: external_id )"
            R"(is required"},{"index":2,"error":"validation error: event at index 2: event must )"
            R"(be an object, not null"}]})"
            "\n");
}

TEST_F(EventsE2eTest, ImportListsEveryInvalidElementAndAppliesNothing) {
  std::string body =
      R"({"workspace_id":"ws","events":[{"email":"a@x.com","event_name":"e","external_id":"ok"},)"
      R"({"email":"a@x.com","event_name":"e"},{"email":"a@x.com","event_name":"BAD","external_id":"z"}]})";
  HttpReply r = Call(Post("/api/customEvents.import", admin_, body));
  ASSERT_EQ(r.status, 400u) << r.body;
  boost::json::object o = boost::json::parse(r.body).as_object();
  EXPECT_EQ(o.at("error").as_string(),
            "validation error: event at index 1: external_id is required");
  ASSERT_EQ(o.at("errors").as_array().size(), 2u);
  EXPECT_EQ(o.at("errors").as_array()[1].as_object().at("index").as_int64(), 2);
  EXPECT_EQ(
      Call(Get("/api/customEvents.get?workspace_id=ws&event_name=e&external_id=ok", admin_)).status,
      404u);
}

TEST_F(EventsE2eTest, GetFindsTheEventAndNamesMissingParameters) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, UpsertBody("g-1"))).status, 200u);
  HttpReply r = Call(
      Get("/api/customEvents.get?workspace_id=ws&event_name=orders%2Fcompleted&external_id=g-1",
          admin_));
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.body.starts_with("{\"event\":{\"external_id\":\"g-1\",")) << r.body;
  EXPECT_EQ(Call(Get("/api/customEvents.get?workspace_id=ws&event_name=orders/completed"
                     "&external_id=nope",
                     admin_))
                .body,
            Error("Custom event not found"));
  EXPECT_EQ(
      Call(Get("/api/customEvents.get?workspace_id=ws&event_name=orders/completed", admin_)).body,
      Error("workspace_id, event_name, and external_id are required"));
}

TEST_F(EventsE2eTest, ListPagesNewestFirstAndRejectsBadPaging) {
  for (int i = 0; i < 5; ++i) {
    std::string body = R"({"workspace_id":"ws","email":"l@x.com","event_name":"orders/completed",)"
                       R"("external_id":"l-)" +
                       std::to_string(i) + R"(","occurred_at":"2024-05-0)" + std::to_string(i + 1) +
                       R"(T10:00:00Z"})";
    ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, body)).status, 200u);
  }
  HttpReply page =
      Call(Get("/api/customEvents.list?workspace_id=ws&email=l@x.com&limit=2&offset=1", admin_));
  ASSERT_EQ(page.status, 200u);
  boost::json::object o = boost::json::parse(page.body).as_object();
  EXPECT_EQ(o.at("count").as_int64(), 2);
  EXPECT_EQ(o.at("events").as_array()[0].as_object().at("external_id").as_string(), "l-3");
  EXPECT_EQ(o.at("events").as_array()[1].as_object().at("external_id").as_string(), "l-2");
  EXPECT_EQ(Call(Get("/api/customEvents.list?workspace_id=ws&email=none@x.com", admin_)).body,
            "{\"events\":[],\"count\":0}\n");
  EXPECT_EQ(Call(Get("/api/customEvents.list?workspace_id=ws&email=l@x.com&limit=x", admin_)).body,
            Error("invalid limit parameter: must be an integer"));
  EXPECT_EQ(
      Call(Get("/api/customEvents.list?workspace_id=ws&email=l@x.com&limit=101", admin_)).body,
      Error("limit cannot exceed 100"));
  EXPECT_EQ(
      Call(Get("/api/customEvents.list?workspace_id=ws&email=l@x.com&offset=-1", admin_)).body,
      Error("offset must be non-negative"));
  EXPECT_EQ(Call(Get("/api/customEvents.list?workspace_id=ws", admin_)).body,
            Error("either email or event_name is required"));
  EXPECT_EQ(Call(Get("/api/customEvents.list?email=l@x.com", admin_)).body,
            Error("workspace_id is required"));
}

TEST_F(EventsE2eTest, TimelineListsEntriesAndPagesWithACursor) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, UpsertBody("t-1", "t@x.com"))).status,
            200u);
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, UpsertBody("t-2", "t@x.com"))).status,
            200u);
  HttpReply first = Call(Get("/api/timeline.list?workspace_id=ws&email=t@x.com&limit=1", admin_));
  ASSERT_EQ(first.status, 200u) << first.body;
  boost::json::object o = boost::json::parse(first.body).as_object();
  ASSERT_EQ(o.at("timeline").as_array().size(), 1u);
  std::string cursor(o.at("next_cursor").as_string());
  HttpReply rest = Call(Get("/api/timeline.list?workspace_id=ws&email=t@x.com&limit=100&cursor=" +
                                boost::urls::encode(cursor, boost::urls::unreserved_chars),
                            admin_));
  ASSERT_EQ(rest.status, 200u) << rest.body;
  boost::json::object r = boost::json::parse(rest.body).as_object();
  EXPECT_EQ(r.at("timeline").as_array().size(), 2u);  // the other event, and contact.created
  EXPECT_FALSE(r.contains("next_cursor"));
  EXPECT_EQ(Call(Get("/api/timeline.list?workspace_id=ws&email=t@x.com&limit=x", admin_)).body,
            Error("invalid limit parameter: must be an integer"));
  EXPECT_EQ(Call(Get("/api/timeline.list?email=t@x.com", admin_)).body,
            Error("workspace_id is required"));
  EXPECT_EQ(Call(Get("/api/timeline.list?workspace_id=ws", admin_)).body,
            Error("email is required"));
  EXPECT_EQ(Call(Get("/api/timeline.list?workspace_id=ws&email=t@x.com&limit=-1", admin_)).body,
            Error("limit must be non-negative"));
  EXPECT_EQ(Call(Get("/api/timeline.list?workspace_id=ws&email=t@x.com&limit=101", admin_)).body,
            Error("limit cannot exceed 100"));
  EXPECT_EQ(
      Call(Get("/api/timeline.list?workspace_id=ws&email=t@x.com&cursor=bogus", admin_)).status,
      400u);
}

TEST_F(EventsE2eTest, ContactIsFoundByNormalizedEmailAndErased) {
  ASSERT_EQ(Call(Post("/api/customEvents.upsert", admin_, UpsertBody("d-1", "Dora@X.com"))).status,
            200u);
  HttpReply c = Call(Get("/api/contacts.getByEmail?workspace_id=ws&email=dora@x.com", admin_));
  ASSERT_EQ(c.status, 200u);
  EXPECT_TRUE(c.body.starts_with("{\"contact\":{\"email\":\"dora@x.com\",")) << c.body;
  EXPECT_NE(c.body.find("\"contact_segments\":[]"), std::string::npos);
  EXPECT_EQ(Call(Get("/api/contacts.getByEmail?workspace_id=ws", admin_)).body,
            Error("Missing email"));
  HttpReply del =
      Call(Post("/api/contacts.delete", admin_, R"({"workspace_id":"ws","email":"dora@x.com"})"));
  EXPECT_EQ(del.status, 200u);
  EXPECT_EQ(del.body, "{\"success\":true}\n");
  EXPECT_EQ(Call(Get("/api/contacts.getByEmail?workspace_id=ws&email=dora@x.com", admin_)).body,
            Error("Contact not found"));
  EXPECT_EQ(Call(Get("/api/customEvents.list?workspace_id=ws&email=dora@x.com", admin_)).body,
            "{\"events\":[],\"count\":0}\n");
  EXPECT_EQ(
      Call(Post("/api/contacts.delete", admin_, R"({"workspace_id":"ws","email":"dora@x.com"})"))
          .status,
      404u);
}

}  // namespace
}  // namespace tally::net::testing
