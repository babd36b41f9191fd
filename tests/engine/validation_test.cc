#include "engine/validation.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace tally::engine {
namespace {

constexpr TimeUs kNow = 1'717'200'000'000'000;

EventInput Valid() {
  EventInput in;
  in.email = "a@x.io";
  in.event_name = "orders/fulfilled";
  in.external_id = "e1";
  in.occurred_at = kNow;
  return in;
}

// ValidateUpsert into a fresh ResolvedEvent.
Result<ResolvedEvent> Resolved(const EventInput& in, std::string_view workspace = "ws") {
  ResolvedEvent resolved;
  const Status status = ValidateUpsert(workspace, in, kNow, resolved);
  if (!status.ok()) return status;
  return resolved;
}

std::string UpsertError(const EventInput& in, std::string_view workspace = "ws") {
  auto r = Resolved(in, workspace);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return std::string(r.status().message());
}

std::string ImportError(const EventInput& in, std::size_t index = 3) {
  auto r = ValidateImportElement(index, in, kNow);
  EXPECT_FALSE(r.ok());
  return std::string(r.status().message());
}

TEST(ValidationTest, UpsertRequestLevelMessagesFollowNotifuseOrder) {
  EventInput in = Valid();
  EXPECT_EQ(UpsertError(in, ""), "validation error: invalid request: workspace_id is required");
  in.email = " \t";
  in.event_name = "";
  EXPECT_EQ(UpsertError(in), "validation error: invalid request: email is required");
  in.email = "a@x.io";
  EXPECT_EQ(UpsertError(in), "validation error: invalid request: event_name is required");
  in = Valid();
  in.external_id = "";
  EXPECT_EQ(UpsertError(in), "validation error: invalid request: external_id is required");
  in.external_id = std::string(256, 'x');
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: external_id must be 255 characters or less");
  in.external_id = std::string(255, 'x');
  EXPECT_TRUE(Resolved(in).ok());
}

TEST(ValidationTest, GoalRulesUseNotifuseMessages) {
  EventInput in = Valid();
  in.goal_type = "invalid_type";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: goal_type must be one of: [purchase subscription "
            "lead signup booking trial other]");
  in.goal_type = "";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: goal_type must be one of: [purchase subscription "
            "lead signup booking trial other]");
  in.goal_type = "purchase";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: goal_value is required for goal_type 'purchase'");
  in.goal_type = "subscription";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: goal_value is required for "
            "goal_type 'subscription'");
  in.goal_type = "lead";
  in.goal_name = std::string(101, 'g');
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: goal_name must be 100 characters or less");
  in.goal_name = std::string(100, 'g');
  EXPECT_TRUE(Resolved(in).ok());
}

TEST(ValidationTest, EventLevelFailuresUseTheCustomEventPrefix) {
  EventInput in = Valid();
  in.event_name = std::string(101, 'a');
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid custom event: event_name must be 100 characters or less");
  for (const char* bad : {"Orders/Fulfilled", "a b", "a@b", "a!", "a+b", "a:b", "   "}) {
    in.event_name = bad;
    EXPECT_EQ(UpsertError(in),
              "validation error: invalid custom event: event_name must contain only lowercase "
              "letters, numbers, underscores, dots, and slashes")
        << bad;
  }
  for (const char* good : {"orders/fulfilled", "payment.succeeded", "trial_started", "123456",
                           "app_v2.orders/created_2025", "with-hyphen"}) {
    in.event_name = good;
    EXPECT_TRUE(Resolved(in).ok()) << good;
  }
  in = Valid();
  in.occurred_at = kGoZeroTimeUs;
  EXPECT_EQ(UpsertError(in), "validation error: invalid custom event: occurred_at is required");
  in.occurred_at = kNow + kOccurredAtFutureMaxUs + 1;
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid custom event: occurred_at must be "
            "between 1970-01-01 and 24 hours from now");
  in.occurred_at = -1;
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid custom event: occurred_at must be "
            "between 1970-01-01 and 24 hours from now");
  in.occurred_at = kNow + kOccurredAtFutureMaxUs;
  EXPECT_TRUE(Resolved(in).ok());
}

TEST(ValidationTest, TallyLimitsAreValidationErrors) {
  EventInput in = Valid();
  in.email = "not-an-email";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: email must be a valid email address");
  in.email = std::string(250, 'a') + "@x.io";  // 255 bytes
  EXPECT_TRUE(Resolved(in).ok());
  in.email = std::string(251, 'a') + "@x.io";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: email must be a valid email address");
  in = Valid();
  in.integration_id = std::string(256, 'i');
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: integration_id must be 255 characters or less");
  in = Valid();
  in.properties_json = "{\"k\":\"" + std::string(kPropertiesBytesMax, 'v') + "\"}";
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: properties must be 65536 bytes or less");
  in = Valid();
  in.properties_depth = kPropertiesDepthMax + 1;
  EXPECT_EQ(UpsertError(in),
            "validation error: invalid request: properties must be nested 32 levels or less");
  in.properties_depth = kPropertiesDepthMax;
  EXPECT_TRUE(Resolved(in).ok());
  for (double bad : {1e13, -1e13, std::numeric_limits<double>::infinity(), std::nan(""),
                     9'999'999'999'999.996}) {
    in = Valid();
    in.goal_value = bad;
    EXPECT_EQ(UpsertError(in),
              "validation error: invalid request: goal_value must be a finite "
              "number with absolute value less than 1e13")
        << bad;
  }
  in.goal_value = 9'999'999'999'999.99;
  EXPECT_EQ(Resolved(in)->goal_value_cents, 999'999'999'999'999);
}

TEST(ValidationTest, UpsertStoresApiAsSourceWhateverWasSent) {
  EventInput in = Valid();
  in.source = std::string(80, 's');
  auto r = Resolved(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, "api");
}

TEST(ValidationTest, UpsertIntoAReusedResolvedEventKeepsNothingOfThePreviousUpsert) {
  EventInput first = Valid();
  first.email = "  First.Person@Example.COM ";
  first.goal_type = "purchase";
  first.goal_value = 12.5;
  ResolvedEvent resolved;
  ASSERT_TRUE(ValidateUpsert("ws", first, kNow, resolved).ok());
  EXPECT_EQ(resolved.email, "first.person@example.com");
  EXPECT_EQ(resolved.goal_type, GoalType::kPurchase);
  EXPECT_EQ(resolved.goal_value_cents, 1250);

  EventInput second = Valid();
  second.occurred_at.reset();
  ASSERT_TRUE(ValidateUpsert("ws", second, kNow, resolved).ok());
  EXPECT_EQ(resolved.email, "a@x.io");
  EXPECT_EQ(resolved.goal_type, GoalType::kNone);
  EXPECT_FALSE(resolved.goal_value_cents.has_value());
  EXPECT_EQ(resolved.occurred_at, kNow);
  EXPECT_EQ(resolved.source, "api");
}

TEST(ValidationTest, ImportRequestLimits) {
  EXPECT_EQ(ValidateImportRequest("", 1).message(),
            "validation error: invalid request: workspace_id is required");
  EXPECT_EQ(ValidateImportRequest("ws", 0).message(),
            "validation error: invalid request: events array cannot be empty");
  EXPECT_EQ(ValidateImportRequest("ws", 51).message(),
            "validation error: invalid request: cannot import more than 50 events at once");
  EXPECT_TRUE(ValidateImportRequest("ws", 50).ok());
}

TEST(ValidationTest, ImportElementMessagesFollowCustomEventValidateOrder) {
  EventInput in = Valid();
  in.external_id = "";
  in.email = "";
  EXPECT_EQ(ImportError(in), "validation error: event at index 3: external_id is required");
  in.external_id = "e";
  EXPECT_EQ(ImportError(in), "validation error: invalid event at index 3: email is required");
  in.email = "a@x.io";
  in.event_name = "";
  EXPECT_EQ(ImportError(in), "validation error: invalid event at index 3: event_name is required");
  in.event_name = "Bad";
  in.goal_type = "nope";
  EXPECT_EQ(ImportError(in),
            "validation error: invalid event at index 3: event_name must contain only lowercase "
            "letters, numbers, underscores, dots, and slashes");
  in.event_name = "ok";
  in.occurred_at = kGoZeroTimeUs;
  EXPECT_EQ(ImportError(in), "validation error: invalid event at index 3: occurred_at is required");
  in.occurred_at = kNow;
  EXPECT_EQ(ImportError(in),
            "validation error: invalid event at index 3: goal_type must be one "
            "of: [purchase subscription lead signup booking trial other]");
  in.goal_type.reset();
  in.source = std::string(51, 's');
  EXPECT_EQ(ImportError(in),
            "validation error: invalid event at index 3: source must be 50 characters or less");
  in.source = "";
  auto r = ValidateImportElement(0, in, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, "api");
}

}  // namespace
}  // namespace tally::engine
