// HttpRequest / HttpResponse: the plain request and response values passed between the Beast
// session (which owns the socket) and the request handler (which never sees one).
//
// Value types; not synchronized. A request is built by one session and handed to one handler
// call, possibly on a worker thread; the response travels back the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tally::net {

enum class HttpMethod { kGet, kPost, kOther };

struct HttpRequest {
  HttpMethod method = HttpMethod::kOther;
  std::string target;                        // origin form: path and query
  std::optional<std::string> authorization;  // absent when the header is missing
  std::string content_type;                  // empty when absent
  std::string body;                          // already gzip-decoded
};

inline constexpr std::string_view kJsonContentType = "application/json";

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = kJsonContentType;  // a static string
};

// Handles one request; implemented by Router. Handle must not block on anything but the engine
// and the log, and may be called from any number of threads at once.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpResponse Handle(HttpRequest& request) = 0;
  // True when Handle may wait for the log's sync (a write under --sync always): the session then
  // runs it on a worker thread so the I/O thread keeps serving other connections.
  virtual bool MayWaitForSync(const HttpRequest& request) const = 0;
};

}  // namespace tally::net
