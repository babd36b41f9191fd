// http_bench_client: drives a running `tally serve` with the data set's events for bench/run's
// PostgreSQL comparison (issue 7), at a fixed concurrency so that it mirrors pgbench's clients.
// One thread per connection, each sending its next request only after the previous response
// (a closed loop, as pgbench's clients are); every response is checked.
//
//   --mode upsert   one customEvents.upsert per element of --ndjson (dataset_gen's events.ndjson)
//   --mode import   customEvents.import of --batch consecutive elements per request
//   --mode sum30    a contact's purchase sum over (--after, now]: customEvents.list pages of 100
//                   for --email, newest first, summed client-side until a page reaches past
//                   --after (tally's HTTP API has no aggregate endpoint); prints the sum
//
// Elements are taken in file order, each once, until the file, --limit elements or --seconds
// run out. --id-prefix prepends to every external_id, so that a run writes new events rather
// than replaying stored ones. Prints one JSON object: requests, events, errors, seconds,
// req_per_s, events_per_s, p50_us, p99_us (and value for sum30). Exit 1 on any failed request.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace tally::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct ClientOptions {
  std::string mode = "upsert";
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string key;
  std::string workspace = "bench";
  std::string ndjson;
  std::string id_prefix;
  std::string email;
  std::string after;  // RFC 3339, for sum30
  int connections = 1;
  std::size_t batch = 50;
  std::size_t limit = 0;  // elements; 0: the whole file
  double seconds = 0;     // 0: no time limit
};

// One keep-alive connection.
class Connection {
 public:
  explicit Connection(const ClientOptions& options) : options_(options), stream_(io_) {
    asio::ip::tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(options.host, options.port));
    stream_.socket().set_option(asio::ip::tcp::no_delay(true));
  }

  // Sends one request and returns the response; throws on a transport error.
  http::response<http::string_body> Send(http::verb verb, const std::string& target,
                                         std::string body) {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, options_.host);
    request.set(http::field::authorization, "Bearer " + options_.key);
    if (verb == http::verb::post) {
      request.set(http::field::content_type, "application/json");
      request.body() = std::move(body);
      request.prepare_payload();
    }
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    return response;
  }

 private:
  const ClientOptions& options_;
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::vector<std::string> ReadLines(const std::string& path, std::size_t limit) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (limit != 0 && lines.size() == limit) break;
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

// An import element as an element with `prefix` before its external_id.
std::string WithPrefix(std::string element, const std::string& prefix) {
  if (prefix.empty()) return element;
  constexpr std::string_view kKey = R"("external_id":")";
  const std::size_t at = element.find(kKey);
  if (at != std::string::npos) element.insert(at + kKey.size(), prefix);
  return element;
}

struct Outcome {
  std::uint64_t requests = 0;
  std::uint64_t events = 0;
  std::uint64_t errors = 0;
  double value = 0;
  std::vector<std::uint32_t> latencies_us;
};

// Writes: requests of `batch` elements (1 for upsert) taken from a shared cursor.
void RunWriter(const ClientOptions& options, const std::vector<std::string>& lines,
               std::atomic<std::size_t>& cursor, Clock::time_point deadline, Outcome& out) {
  Connection connection(options);
  const bool import = options.mode == "import";
  const std::size_t per_request = import ? options.batch : 1;
  const std::string target = import ? "/api/customEvents.import" : "/api/customEvents.upsert";
  while (Clock::now() < deadline) {
    const std::size_t first = cursor.fetch_add(per_request);
    if (first >= lines.size()) break;
    const std::size_t last = std::min(first + per_request, lines.size());
    std::string body;
    if (import) {
      body = R"({"workspace_id":")" + options.workspace + R"(","events":[)";
      for (std::size_t i = first; i < last; ++i) {
        if (i > first) body += ',';
        body += WithPrefix(lines[i], options.id_prefix);
      }
      body += "]}";
    } else {
      // {"workspace_id":"W", + the element without its opening brace.
      body = R"({"workspace_id":")" + options.workspace + R"(",)" +
             WithPrefix(lines[first], options.id_prefix).substr(1);
    }
    const auto start = Clock::now();
    const auto response = connection.Send(http::verb::post, target, std::move(body));
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    out.latencies_us.push_back(static_cast<std::uint32_t>(us.count()));
    ++out.requests;
    const unsigned expected = import ? 201 : 200;
    if (response.result_int() != expected) {
      if (out.errors++ == 0) {
        std::fprintf(stderr, "http_bench_client: %u %s\n", response.result_int(),
                     response.body().c_str());
      }
      continue;
    }
    out.events += last - first;
  }
}

// Whether `time` (tally's RFC 3339 UTC output, "YYYY-MM-DDTHH:MM:SS[.f…]Z") is after `bound`
// ("YYYY-MM-DDTHH:MM:SSZ"): whole seconds compare as text, and within the bound's own second
// any fraction is later.
bool After(std::string_view time, std::string_view bound) {
  constexpr std::size_t kSeconds = 19;
  const int order = time.substr(0, kSeconds).compare(bound.substr(0, kSeconds));
  return order > 0 || (order == 0 && time.size() > kSeconds && time[kSeconds] == '.');
}

// One contact's purchase sum over (after, now] through customEvents.list, newest first.
double Sum30(Connection& connection, const ClientOptions& options, std::uint64_t& requests) {
  double sum = 0;
  for (std::size_t offset = 0;; offset += 100) {
    const std::string target = "/api/customEvents.list?workspace_id=" + options.workspace +
                               "&email=" + options.email +
                               "&limit=100&offset=" + std::to_string(offset);
    const auto response = connection.Send(http::verb::get, target, {});
    ++requests;
    if (response.result_int() != 200) throw std::runtime_error(response.body());
    const json::value page = json::parse(response.body());
    const json::array& events = page.at("events").as_array();
    bool past_window = false;
    for (const json::value& v : events) {
      const json::object& e = v.as_object();
      if (!After(e.at("occurred_at").as_string(), options.after)) {
        past_window = true;
        break;
      }
      const json::value* type = e.if_contains("goal_type");
      if (type != nullptr && type->is_string() && type->as_string() == "purchase") {
        sum += e.at("goal_value").to_number<double>();
      }
    }
    if (past_window || events.size() < 100) return sum;
  }
}

void RunSum30(const ClientOptions& options, Clock::time_point deadline, Outcome& out) {
  Connection connection(options);
  std::uint64_t http_requests = 0;
  do {
    const auto start = Clock::now();
    out.value = Sum30(connection, options, http_requests);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    out.latencies_us.push_back(static_cast<std::uint32_t>(us.count()));
    ++out.requests;
  } while (Clock::now() < deadline);
  out.events = http_requests;  // for sum30: HTTP requests made
}

std::uint32_t Percentile(std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

int Run(const ClientOptions& options) {
  const std::vector<std::string> lines = options.mode == "sum30"
                                             ? std::vector<std::string>{}
                                             : ReadLines(options.ndjson, options.limit);
  if (options.mode != "sum30" && lines.empty()) {
    std::fprintf(stderr, "http_bench_client: no elements in %s\n", options.ndjson.c_str());
    return 1;
  }
  const auto start = Clock::now();
  const auto deadline = options.seconds > 0
                            ? start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options.seconds))
                            : Clock::time_point::max();
  std::vector<Outcome> outcomes(static_cast<std::size_t>(options.connections));
  std::atomic<std::size_t> cursor{0};
  std::atomic<bool> failed{false};
  {
    std::vector<std::jthread> threads;
    for (Outcome& out : outcomes) {
      threads.emplace_back([&] {
        try {
          if (options.mode == "sum30") {
            RunSum30(options, deadline, out);
          } else {
            RunWriter(options, lines, cursor, deadline, out);
          }
        } catch (const std::exception& e) {
          std::fprintf(stderr, "http_bench_client: %s\n", e.what());
          failed = true;
        }
      });
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Outcome total;
  for (Outcome& out : outcomes) {
    total.requests += out.requests;
    total.events += out.events;
    total.errors += out.errors;
    total.value = out.value;
    total.latencies_us.insert(total.latencies_us.end(), out.latencies_us.begin(),
                              out.latencies_us.end());
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  std::printf(
      "{\"mode\":\"%s\",\"connections\":%d,\"requests\":%llu,\"events\":%llu,\"errors\":%llu,"
      "\"seconds\":%.3f,\"req_per_s\":%.1f,\"events_per_s\":%.1f,\"p50_us\":%u,\"p99_us\":%u,"
      "\"value\":%.2f}\n",
      options.mode.c_str(), options.connections, static_cast<unsigned long long>(total.requests),
      static_cast<unsigned long long>(total.events), static_cast<unsigned long long>(total.errors),
      seconds, static_cast<double>(total.requests) / seconds,
      static_cast<double>(total.events) / seconds, Percentile(total.latencies_us, 0.50),
      Percentile(total.latencies_us, 0.99), total.value);
  return failed || total.errors > 0 ? 1 : 0;
}

}  // namespace
}  // namespace tally::bench

int main(int argc, char** argv) {
  tally::bench::ClientOptions options;
  CLI::App app{"Drives tally's HTTP API with the benchmark data set at a fixed concurrency"};
  app.add_option("--mode", options.mode, "upsert | import | sum30")
      ->check(CLI::IsMember({"upsert", "import", "sum30"}));
  app.add_option("--host", options.host, "server address");
  app.add_option("--port", options.port, "server port");
  app.add_option("--key", options.key, "API key")->required();
  app.add_option("--workspace", options.workspace, "workspace id");
  app.add_option("--ndjson", options.ndjson, "customEvents.import elements, one per line");
  app.add_option("--id-prefix", options.id_prefix, "prepended to every external_id");
  app.add_option("--email", options.email, "sum30: the contact");
  app.add_option("--after", options.after, "sum30: window start, YYYY-MM-DDTHH:MM:SSZ, exclusive");
  app.add_option("--connections", options.connections, "connections, one thread each")
      ->check(CLI::Range(1, 1024));
  app.add_option("--batch", options.batch, "import: elements per request")
      ->check(CLI::Range(std::size_t{1}, std::size_t{50}));
  app.add_option("--limit", options.limit, "at most this many elements");
  app.add_option("--seconds", options.seconds, "stop after this long");
  CLI11_PARSE(app, argc, argv);
  return tally::bench::Run(options);
}
