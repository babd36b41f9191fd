// HttpRequest / HttpResponse: the plain request and response values passed between the Beast
// session (which owns the socket) and the request handler (which never sees one).
//
// Value types; not synchronized. A request is built by one session and handed to one handler
// call, possibly on a worker thread; the response travels back the same way, possibly through
// the log's sync thread when it waits for durability (RequestHandler::AwaitDurable).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tally::net {

enum class HttpMethod { kGet, kPost, kOther };
enum class Route : std::size_t;  // net/route.h

struct HttpRequest {
  HttpMethod method = HttpMethod::kOther;
  std::string target;                        // origin form: path and query
  std::optional<std::string> authorization;  // absent when the header is missing
  std::string content_type;                  // empty when absent
  std::string body;                          // already gzip-decoded
};

inline constexpr std::string_view kJsonContentType = "application/json";

// A write's acknowledgement that may be sent only once its log record is durable (contract
// §5), and what the handler records once the outcome is known.
struct DurableWait {
  std::uint64_t lsn = 0;     // 0: nothing to wait for, the response may go out at once
  std::uint64_t events = 0;  // custom events the write carries (ingested once it is durable)
  Route route{};
  HttpMethod method = HttpMethod::kOther;
  std::chrono::steady_clock::time_point started{};
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = kJsonContentType;  // a static string
  DurableWait wait{};
};

// Handles requests; implemented by Router. Every method may be called from any number of
// threads at once.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Answers `request`. A response with wait.lsn != 0 must not be sent as it is: pass it to
  // AwaitDurable. Handle blocks only on the engine (µs), except for the requests for which
  // RunsOnWorker is true.
  virtual HttpResponse Handle(HttpRequest& request) = 0;
  // Calls `done` exactly once with the response to send for `response` (wait.lsn != 0): the
  // response itself once its record is durable, or the 503 for the log's error. `done` runs on
  // the log's sync thread (or at once on this one), so it must be short: post, do not work.
  virtual void AwaitDurable(HttpResponse response, std::function<void(HttpResponse)> done) = 0;
  // True when Handle may block for long — a snapshot, or a write without a deferred form that
  // waits for the log's sync (--sync always) — so the session runs it on a worker thread and
  // the I/O thread keeps serving other connections.
  virtual bool RunsOnWorker(const HttpRequest& request) const = 0;
};

}  // namespace tally::net
