// dataset_gen: writes the seeded benchmark data set (bench/dataset.h) as files for systems that
// do not link the generator, for bench/run's PostgreSQL comparison (issue 7):
//
//   contacts.copy       PostgreSQL COPY text rows of `contacts` (email, created_at, updated_at),
//                       one per contact id, including those that never emit an event
//   custom_events.copy  PostgreSQL COPY text rows of Notifuse's `custom_events`, column order of
//                       bench/pg/schema.sql
//   events.ndjson       one customEvents.import element per line, in generation order
//   info.json           the options, counts, and two reference contacts (the busiest and one of
//                       median activity) with their purchase sum over the last 30 days before
//                       the end date, which bench/run checks both systems against
//
// The engine benchmarks generate the same events in-process from the same options.
//
//   dataset_gen --out DIR [--contacts N] [--events N] [--seed S]
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <date/date.h>

#include "bench/dataset.h"
#include "log/assert.h"

namespace tally::bench {
namespace {

using engine::EventInput;
using engine::TimeUs;

constexpr TimeUs kThirtyDaysUs = 30LL * 86'400 * 1'000'000;
constexpr std::size_t kWriteBufferBytes = 1 << 20;

// An output file written through one large buffer: the data set is hundreds of MB to GB, and
// formatting by hand instead of through printf is what makes 10M events take seconds.
class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (!file_) std::fprintf(stderr, "dataset_gen: cannot write %s\n", path.c_str());
    buffer_.reserve(kWriteBufferBytes + 4096);
  }
  ~OutputFile() { (void)Close(); }

  bool ok() const { return file_ != nullptr && !failed_; }

  void Put(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() >= kWriteBufferBytes) Flush();
  }
  // `value` in exactly `width` digits, zero-padded.
  void PutDigits(std::int64_t value, int width) {
    TALLY_ASSERT(value >= 0);
    char digits[20];
    for (int i = width - 1; i >= 0; --i, value /= 10)
      digits[i] = static_cast<char>('0' + value % 10);
    buffer_.append(digits, static_cast<std::size_t>(width));
  }
  void PutUint(std::uint64_t value) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
    buffer_.append(digits, end);
  }
  // A money value with exactly two decimals (goal values are whole cents already).
  void PutCents(double value) {
    std::int64_t cents = std::llround(value * 100.0);
    if (cents < 0) {
      buffer_ += '-';
      cents = -cents;
    }
    PutUint(static_cast<std::uint64_t>(cents / 100));
    buffer_ += '.';
    PutDigits(cents % 100, 2);
  }
  // `at` as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (RFC 3339, which PostgreSQL also reads).
  void PutTime(TimeUs at) {
    TALLY_ASSERT(at >= 0);
    const std::int64_t in_day_us = at % 86'400'000'000;
    const date::year_month_day ymd{date::sys_days{date::days{at / 86'400'000'000}}};
    PutDigits(static_cast<int>(ymd.year()), 4);
    buffer_ += '-';
    PutDigits(static_cast<unsigned>(ymd.month()), 2);
    buffer_ += '-';
    PutDigits(static_cast<unsigned>(ymd.day()), 2);
    buffer_ += 'T';
    PutDigits(in_day_us / 3'600'000'000, 2);
    buffer_ += ':';
    PutDigits(in_day_us / 60'000'000 % 60, 2);
    buffer_ += ':';
    PutDigits(in_day_us / 1'000'000 % 60, 2);
    buffer_ += '.';
    PutDigits(in_day_us % 1'000'000, 6);
    buffer_ += 'Z';
  }

  [[nodiscard]] bool Close() {
    if (file_ == nullptr) return false;
    Flush();
    failed_ = std::fclose(file_) != 0 || failed_;
    file_ = nullptr;
    return !failed_;
  }

 private:
  void Flush() {
    if (file_ != nullptr &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      failed_ = true;
    }
    buffer_.clear();
  }

  std::FILE* file_;
  std::string buffer_;
  bool failed_ = false;
};

std::string Rfc3339(TimeUs at) {
  TALLY_ASSERT(at >= 0);
  const date::year_month_day ymd{date::sys_days{date::days{at / 86'400'000'000}}};
  const std::int64_t in_day_us = at % 86'400'000'000;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(in_day_us / 3'600'000'000),
                static_cast<long long>(in_day_us / 60'000'000 % 60),
                static_cast<long long>(in_day_us / 1'000'000 % 60),
                static_cast<long long>(in_day_us % 1'000'000));
  return buf;
}

// COPY text format: only backslash, tab, newline and carriage return need escaping, and the
// generator produces none of them; a change that did would corrupt the load silently.
std::string_view CopyText(std::string_view text) {
  TALLY_ASSERT(text.find_first_of("\\\t\n\r") == std::string_view::npos);
  return text;
}

void WriteCopyRow(OutputFile& f, const EventInput& e, std::string_view created_at) {
  f.Put(CopyText(e.event_name));
  f.Put("\t");
  f.Put(CopyText(e.external_id));
  f.Put("\t");
  f.Put(CopyText(e.email));
  f.Put("\t");
  f.Put(CopyText(e.properties_json));
  f.Put("\t");
  f.PutTime(*e.occurred_at);
  f.Put("\tapi\t\\N\t");  // source, integration_id
  f.Put(e.goal_name ? CopyText(*e.goal_name) : "\\N");
  f.Put("\t");
  f.Put(e.goal_type ? CopyText(*e.goal_type) : "\\N");
  f.Put("\t");
  if (e.goal_value) {
    f.PutCents(*e.goal_value);
  } else {
    f.Put("\\N");
  }
  f.Put("\t");
  if (e.deleted_at) {
    f.PutTime(*e.deleted_at);
  } else {
    f.Put("\\N");
  }
  f.Put("\t");
  f.Put(created_at);
  f.Put("\t");
  f.Put(created_at);
  f.Put("\n");
}

// The generator's strings are plain ASCII without quotes or backslashes (properties are a JSON
// object already), so they are written into JSON unescaped.
void WriteImportElement(OutputFile& f, const EventInput& e) {
  f.Put(R"({"email":")");
  f.Put(e.email);
  f.Put(R"(","event_name":")");
  f.Put(e.event_name);
  f.Put(R"(","external_id":")");
  f.Put(e.external_id);
  f.Put(R"(","properties":)");
  f.Put(e.properties_json);
  f.Put(R"(,"occurred_at":")");
  f.PutTime(*e.occurred_at);
  f.Put("\"");
  if (e.goal_name) {
    f.Put(R"(,"goal_name":")");
    f.Put(*e.goal_name);
    f.Put("\"");
  }
  if (e.goal_type) {
    f.Put(R"(,"goal_type":")");
    f.Put(*e.goal_type);
    f.Put("\"");
  }
  if (e.goal_value) {
    f.Put(R"(,"goal_value":)");
    f.PutCents(*e.goal_value);
  }
  if (e.deleted_at) {
    f.Put(R"(,"deleted_at":")");
    f.PutTime(*e.deleted_at);
    f.Put("\"");
  }
  f.Put("}\n");
}

// Per contact: events, and the cents of live purchases in the 30 days before the end
// (occurred_at > end − 30 days, as Notifuse's in_the_last_days).
struct ContactTally {
  std::uint32_t events = 0;
  std::int64_t purchase_cents_30d = 0;
};

bool WriteInfo(const std::filesystem::path& path, const DatasetOptions& options,
               const std::vector<ContactTally>& contacts, double seconds) {
  std::vector<std::uint64_t> active;
  for (std::uint64_t i = 0; i < contacts.size(); ++i) {
    if (contacts[i].events > 0) active.push_back(i);
  }
  TALLY_ASSERT(!active.empty());
  std::sort(active.begin(), active.end(), [&](std::uint64_t a, std::uint64_t b) {
    return contacts[a].events != contacts[b].events ? contacts[a].events > contacts[b].events
                                                    : a < b;
  });
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f,
               "{\"version\":%d,\"seed\":%llu,\"contacts\":%llu,\"events\":%llu,"
               "\"end\":\"%s\",\"contacts_with_events\":%zu,\"seconds\":%.3f,\"references\":[",
               kDatasetVersion, static_cast<unsigned long long>(options.seed),
               static_cast<unsigned long long>(options.contacts),
               static_cast<unsigned long long>(options.events), Rfc3339(options.end_us).c_str(),
               active.size(), seconds);
  const std::uint64_t picks[] = {active.front(), active[active.size() / 2]};
  const char* names[] = {"busiest", "median"};
  for (int i = 0; i < 2; ++i) {
    const ContactTally& c = contacts[picks[i]];
    std::fprintf(f, "%s{\"name\":\"%s\",\"email\":\"%s\",\"events\":%u,\"purchase_sum_30d\":%.2f}",
                 i > 0 ? "," : "", names[i], DatasetGenerator::Email(picks[i]).c_str(), c.events,
                 static_cast<double>(c.purchase_cents_30d) / 100.0);
  }
  std::fputs("]}\n", f);
  const bool written = std::ferror(f) == 0;
  return std::fclose(f) == 0 && written;
}

int Run(const DatasetOptions& options, const std::filesystem::path& out) {
  std::filesystem::create_directories(out);
  const std::string created_at = Rfc3339(options.end_us - kDatasetSpanUs);
  const auto start = std::chrono::steady_clock::now();
  OutputFile contacts(out / "contacts.copy");
  for (std::uint64_t i = 0; i < options.contacts && contacts.ok(); ++i) {
    contacts.Put(DatasetGenerator::Email(i));
    contacts.Put("\t");
    contacts.Put(created_at);
    contacts.Put("\t");
    contacts.Put(created_at);
    contacts.Put("\n");
  }
  std::vector<ContactTally> tallies(options.contacts);
  OutputFile copy(out / "custom_events.copy");
  OutputFile ndjson(out / "events.ndjson");
  if (copy.ok() && ndjson.ok()) {
    DatasetGenerator generator(options);
    EventInput e;
    while (generator.Next(&e)) {
      WriteCopyRow(copy, e, created_at);
      WriteImportElement(ndjson, e);
      ContactTally& c = tallies[generator.last_contact()];
      ++c.events;
      if (e.goal_type == "purchase" && !e.deleted_at &&
          *e.occurred_at > options.end_us - kThirtyDaysUs) {
        c.purchase_cents_30d += std::llround(*e.goal_value * 100.0);
      }
    }
  }
  if (!contacts.Close() || !copy.Close() || !ndjson.Close()) {
    std::fprintf(stderr, "dataset_gen: write error in %s\n", out.c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!WriteInfo(out / "info.json", options, tallies, seconds)) return 1;
  std::printf("{\"events\":%llu,\"contacts\":%llu,\"seconds\":%.3f,\"events_per_s\":%.0f}\n",
              static_cast<unsigned long long>(options.events),
              static_cast<unsigned long long>(options.contacts), seconds,
              static_cast<double>(options.events) / seconds);
  return 0;
}

}  // namespace
}  // namespace tally::bench

int main(int argc, char** argv) {
  tally::bench::DatasetOptions options;
  std::string out;
  CLI::App app{"Writes the seeded benchmark data set as PostgreSQL COPY files and NDJSON"};
  app.add_option("--out", out, "output directory")->required();
  app.add_option("--contacts", options.contacts, "contact ids (20% never emit)")
      ->check(CLI::Range(std::uint64_t{10}, std::uint64_t{1'000'000'000}));
  app.add_option("--events", options.events, "events")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  app.add_option("--seed", options.seed, "generator seed");
  CLI11_PARSE(app, argc, argv);
  return tally::bench::Run(options, out);
}
