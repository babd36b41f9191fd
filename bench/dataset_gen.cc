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
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/dataset.h"
#include "bench/dataset_text.h"
#include "log/assert.h"

namespace tally::bench {
namespace {

using engine::EventInput;
using engine::TimeUs;

constexpr TimeUs kThirtyDaysUs = 30LL * 86'400 * 1'000'000;
constexpr std::size_t kWriteBufferBytes = 1 << 20;

// An output file written through one large buffer that the dataset_text functions append to.
class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (!file_) std::fprintf(stderr, "dataset_gen: cannot write %s\n", path.c_str());
    buffer_.reserve(kWriteBufferBytes + 4096);
  }
  ~OutputFile() { (void)Close(); }

  bool ok() const { return file_ != nullptr && !failed_; }

  // The buffer to append one record to; call Written() after each.
  std::string& buffer() { return buffer_; }
  void Written() {
    if (buffer_.size() >= kWriteBufferBytes) Flush();
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
  std::string out;
  AppendRfc3339(out, at);
  return out;
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
    std::string& row = contacts.buffer();
    row += DatasetGenerator::Email(i);
    row += '\t';
    row += created_at;
    row += '\t';
    row += created_at;
    row += '\n';
    contacts.Written();
  }
  std::vector<ContactTally> tallies(options.contacts);
  OutputFile copy(out / "custom_events.copy");
  OutputFile ndjson(out / "events.ndjson");
  if (copy.ok() && ndjson.ok()) {
    DatasetGenerator generator(options);
    EventInput e;
    while (generator.Next(&e)) {
      AppendCopyRow(copy.buffer(), e, created_at);
      copy.Written();
      AppendImportElement(ndjson.buffer(), e);
      ndjson.Written();
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
