#include "bench/dataset_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include <date/date.h>

#include "log/assert.h"

namespace tally::bench {
namespace {

using engine::EventInput;
using engine::TimeUs;

constexpr TimeUs kDayUs = 86'400'000'000;

// `value` in exactly `width` digits, zero-padded.
void AppendDigits(std::string& out, std::int64_t value, int width) {
  TALLY_ASSERT(value >= 0 && width > 0 && width <= 19);
  char digits[19];
  for (int i = width - 1; i >= 0; --i, value /= 10) {
    digits[i] = static_cast<char>('0' + value % 10);
  }
  TALLY_ASSERT(value == 0);  // the value fits the width
  out.append(digits, static_cast<std::size_t>(width));
}

void AppendUint(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  TALLY_ASSERT(ec == std::errc());
  out.append(digits, end);
}

// COPY text format: only backslash, tab, newline and carriage return need escaping, and the
// generator produces none of them; a change that did would corrupt the load silently.
std::string_view CopyText(std::string_view text) {
  TALLY_ASSERT(text.find_first_of("\\\t\n\r") == std::string_view::npos);
  return text;
}

// JSON strings are written unescaped, so they must need no escaping.
std::string_view JsonText(std::string_view text) {
  TALLY_ASSERT(text.find_first_of("\\\"\t\n\r") == std::string_view::npos);
  return text;
}

void AppendJsonString(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":\"";
  out += JsonText(value);
  out += '"';
}

}  // namespace

void AppendRfc3339(std::string& out, TimeUs at) {
  TALLY_ASSERT(at >= 0);
  const std::int64_t in_day_us = at % kDayUs;
  const date::year_month_day ymd{date::sys_days{date::days{at / kDayUs}}};
  AppendDigits(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  AppendDigits(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  AppendDigits(out, static_cast<unsigned>(ymd.day()), 2);
  out += 'T';
  AppendDigits(out, in_day_us / 3'600'000'000, 2);
  out += ':';
  AppendDigits(out, in_day_us / 60'000'000 % 60, 2);
  out += ':';
  AppendDigits(out, in_day_us / 1'000'000 % 60, 2);
  out += '.';
  AppendDigits(out, in_day_us % 1'000'000, 6);
  out += 'Z';
}

void AppendCents(std::string& out, double value) {
  TALLY_ASSERT(std::isfinite(value));
  std::int64_t cents = std::llround(value * 100.0);
  if (cents < 0) {
    out += '-';
    cents = -cents;
  }
  AppendUint(out, static_cast<std::uint64_t>(cents / 100));
  out += '.';
  AppendDigits(out, cents % 100, 2);
}

void AppendCopyRow(std::string& out, const EventInput& e, std::string_view created_at) {
  TALLY_ASSERT(e.occurred_at.has_value());
  out += CopyText(e.event_name);
  out += '\t';
  out += CopyText(e.external_id);
  out += '\t';
  out += CopyText(e.email);
  out += '\t';
  out += CopyText(e.properties_json);
  out += '\t';
  AppendRfc3339(out, *e.occurred_at);
  out += "\tapi\t\\N\t";  // source, integration_id
  out += e.goal_name ? CopyText(*e.goal_name) : "\\N";
  out += '\t';
  out += e.goal_type ? CopyText(*e.goal_type) : "\\N";
  out += '\t';
  if (e.goal_value) {
    AppendCents(out, *e.goal_value);
  } else {
    out += "\\N";
  }
  out += '\t';
  if (e.deleted_at) {
    AppendRfc3339(out, *e.deleted_at);
  } else {
    out += "\\N";
  }
  out += '\t';
  out += CopyText(created_at);
  out += '\t';
  out += CopyText(created_at);
  out += '\n';
}

void AppendImportElement(std::string& out, const EventInput& e) {
  TALLY_ASSERT(e.occurred_at.has_value());
  out += "{\"email\":\"";
  out += JsonText(e.email);
  out += '"';
  AppendJsonString(out, "event_name", e.event_name);
  AppendJsonString(out, "external_id", e.external_id);
  out += ",\"properties\":";
  out += e.properties_json;  // a JSON object already
  out += ",\"occurred_at\":\"";
  AppendRfc3339(out, *e.occurred_at);
  out += '"';
  if (e.goal_name) AppendJsonString(out, "goal_name", *e.goal_name);
  if (e.goal_type) AppendJsonString(out, "goal_type", *e.goal_type);
  if (e.goal_value) {
    out += ",\"goal_value\":";
    AppendCents(out, *e.goal_value);
  }
  if (e.deleted_at) {
    out += ",\"deleted_at\":\"";
    AppendRfc3339(out, *e.deleted_at);
    out += '"';
  }
  out += "}\n";
}

}  // namespace tally::bench
