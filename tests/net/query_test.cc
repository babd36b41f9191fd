#include "net/query.h"

#include <gtest/gtest.h>

#include "net/route.h"

namespace tally::net {
namespace {

TEST(QueryTest, DecodesParametersAndReturnsTheFirstValue) {
  Result<Query> q = Query::Parse("/api/x?email=a%40x.com&limit=2&limit=3&name=orders%2Fdone");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->path(), "/api/x");
  EXPECT_EQ(q->Get("email"), "a@x.com");
  EXPECT_EQ(q->Get("limit"), "2");
  EXPECT_EQ(q->Get("name"), "orders/done");
  EXPECT_EQ(q->Get("missing"), "");
  EXPECT_TRUE(q->Has("limit"));
  EXPECT_FALSE(q->Has("missing"));
}

TEST(QueryTest, InvalidTargetIsAnError) {
  EXPECT_FALSE(Query::Parse("http://[bad").ok());
  EXPECT_FALSE(Query::Parse("/a?x=%zz").ok());
}

TEST(QueryTest, ParseIntegerAcceptsOnlyWholeIntegers) {
  EXPECT_EQ(ParseInteger("42"), 42);
  EXPECT_EQ(ParseInteger("+7"), 7);
  EXPECT_EQ(ParseInteger("-3"), -3);
  for (const char* bad : {"", "4x", "1.5", " 1", "99999999999999999999"}) {
    EXPECT_FALSE(ParseInteger(bad).has_value()) << bad;
  }
}

TEST(RouteTest, PathsMatchExactlyAndCreateIsAnAlias) {
  EXPECT_EQ(RouteOf("/api/customEvents.upsert"), Route::kEventsUpsert);
  EXPECT_EQ(RouteOf("/api/customEvents.create"), Route::kEventsUpsert);
  EXPECT_EQ(RouteOf("/api/customEvents.upsert/"), Route::kUnknown);
  EXPECT_EQ(RouteOf("/API/customEvents.upsert"), Route::kUnknown);
  EXPECT_EQ(RouteMethod(Route::kEventsImport), HttpMethod::kPost);
  EXPECT_EQ(RouteMethod(Route::kContactsDelete), HttpMethod::kPost);
  EXPECT_EQ(RouteMethod(Route::kTimelineList), HttpMethod::kGet);
  EXPECT_EQ(RouteName(Route::kContactsGetByEmail), "contacts.getByEmail");
}

}  // namespace
}  // namespace tally::net
