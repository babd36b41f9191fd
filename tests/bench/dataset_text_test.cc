// The data set's text forms (bench/dataset_text.h) carry exactly the generated events, so that
// PostgreSQL (COPY) and tally (customEvents.import) are loaded with the same data.
#include "bench/dataset_text.h"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <date/date.h>
#include <gtest/gtest.h>

#include "bench/dataset.h"

namespace tally::bench {
namespace {

using engine::EventInput;
using engine::TimeUs;

std::string Rfc3339(TimeUs at) {
  std::string out;
  AppendRfc3339(out, at);
  return out;
}

std::string Cents(double value) {
  std::string out;
  AppendCents(out, value);
  return out;
}

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" back to microseconds.
TimeUs ParseRfc3339(const std::string& text) {
  EXPECT_EQ(text.size(), 27u) << text;
  if (text.size() != 27u) return -1;
  const auto n = [&](std::size_t pos, std::size_t len) { return std::stoi(text.substr(pos, len)); };
  const date::year_month_day ymd{date::year{n(0, 4)}, date::month{static_cast<unsigned>(n(5, 2))},
                                 date::day{static_cast<unsigned>(n(8, 2))}};
  const TimeUs days = date::sys_days{ymd}.time_since_epoch().count();
  return ((days * 24 + n(11, 2)) * 60 + n(14, 2)) * 60'000'000 + n(17, 2) * 1'000'000LL + n(20, 6);
}

std::vector<std::string> Fields(const std::string& row) {
  std::vector<std::string> fields;
  std::string field;
  for (char c : row) {
    if (c == '\t' || c == '\n') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  return fields;
}

EventInput FullEvent() {
  EventInput e;
  e.email = "user0000042@example.com";
  e.event_name = "order.refunded";
  e.external_id = "ev_00000000007";
  e.properties_json = R"({"sku":"SKU-000001","qty":1,"channel":"web","ok":true})";
  e.occurred_at = 1'709'210'096'000'789;  // 2024-02-29T12:34:56.000789Z
  e.goal_name = "plan_2";
  e.goal_type = "purchase";
  e.goal_value = -57.05;
  e.deleted_at = *e.occurred_at;
  return e;
}

TEST(DatasetTextTest, TimesAreRfc3339InUtcWithMicroseconds) {
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(Rfc3339(1'709'210'096'000'789), "2024-02-29T12:34:56.000789Z");
  EXPECT_EQ(Rfc3339(DatasetOptions().end_us - 1), "2024-05-31T23:59:59.999999Z");
}

TEST(DatasetTextTest, MoneyHasExactlyTwoDecimals) {
  EXPECT_EQ(Cents(45), "45.00");
  EXPECT_EQ(Cents(-57.05), "-57.05");
  EXPECT_EQ(Cents(0.1 + 0.2), "0.30");
  EXPECT_EQ(Cents(-0.004), "0.00");
  EXPECT_EQ(Cents(9'999'999'999'999.99), "9999999999999.99");
}

TEST(DatasetTextTest, CopyRowHasThirteenColumnsInSchemaOrder) {
  std::string row;
  AppendCopyRow(row, FullEvent(), "2022-06-02T00:00:00.000000Z");
  ASSERT_EQ(row.back(), '\n');
  const std::vector<std::string> f = Fields(row);
  ASSERT_EQ(f.size(), 13u) << row;
  EXPECT_EQ(f[0], "order.refunded");
  EXPECT_EQ(f[1], "ev_00000000007");
  EXPECT_EQ(f[2], "user0000042@example.com");
  EXPECT_EQ(f[3], FullEvent().properties_json);
  EXPECT_EQ(f[4], "2024-02-29T12:34:56.000789Z");
  EXPECT_EQ(f[5], "api");
  EXPECT_EQ(f[6], "\\N");  // integration_id
  EXPECT_EQ(f[7], "plan_2");
  EXPECT_EQ(f[8], "purchase");
  EXPECT_EQ(f[9], "-57.05");
  EXPECT_EQ(f[10], "2024-02-29T12:34:56.000789Z");
  EXPECT_EQ(f[11], "2022-06-02T00:00:00.000000Z");
  EXPECT_EQ(f[12], "2022-06-02T00:00:00.000000Z");
}

TEST(DatasetTextTest, AbsentValuesAreNullInCopyAndLeftOutOfJson) {
  EventInput e = FullEvent();
  e.goal_name.reset();
  e.goal_type.reset();
  e.goal_value.reset();
  e.deleted_at.reset();
  std::string row;
  AppendCopyRow(row, e, "2022-06-02T00:00:00.000000Z");
  const std::vector<std::string> f = Fields(row);
  ASSERT_EQ(f.size(), 13u);
  for (int i : {7, 8, 9, 10}) EXPECT_EQ(f[static_cast<std::size_t>(i)], "\\N") << i;
  std::string line;
  AppendImportElement(line, e);
  const boost::json::object element = boost::json::parse(line).as_object();
  for (const char* key : {"goal_name", "goal_type", "goal_value", "deleted_at"}) {
    EXPECT_FALSE(element.contains(key)) << key;
  }
}

// Every generated event survives both forms: the JSON element and the COPY row give back its
// key, contact, time, goal and deletion.
TEST(DatasetTextTest, GeneratedEventsRoundTripThroughBothForms) {
  DatasetOptions options;
  options.contacts = 1000;
  options.events = 5000;
  DatasetGenerator generator(options);
  EventInput e;
  while (generator.Next(&e)) {
    std::string line;
    AppendImportElement(line, e);
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "one element per line";
    const boost::json::object j = boost::json::parse(line).as_object();
    EXPECT_EQ(j.at("email").as_string(), e.email);
    EXPECT_EQ(j.at("event_name").as_string(), e.event_name);
    EXPECT_EQ(j.at("external_id").as_string(), e.external_id);
    EXPECT_TRUE(j.at("properties").is_object());
    EXPECT_EQ(ParseRfc3339(std::string(j.at("occurred_at").as_string())), *e.occurred_at);
    EXPECT_EQ(j.contains("goal_type"), e.goal_type.has_value());
    if (e.goal_value) {
      EXPECT_DOUBLE_EQ(j.at("goal_value").to_number<double>(), *e.goal_value);
    }
    EXPECT_EQ(j.contains("deleted_at"), e.deleted_at.has_value());

    std::string row;
    AppendCopyRow(row, e, "2022-06-02T00:00:00.000000Z");
    const std::vector<std::string> f = Fields(row);
    ASSERT_EQ(f.size(), 13u) << row;
    EXPECT_EQ(f[1], e.external_id);
    EXPECT_EQ(ParseRfc3339(f[4]), *e.occurred_at);
    EXPECT_EQ(f[8], e.goal_type.value_or("\\N"));
    if (e.goal_value) {
      EXPECT_DOUBLE_EQ(std::stod(f[9]), *e.goal_value);
    }
  }
}

}  // namespace
}  // namespace tally::bench
