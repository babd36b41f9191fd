// HttpClient: a small blocking HTTP/1.1 client on Beast for the end-to-end tests. One
// connection per client, kept alive between requests; Pipeline sends several requests before
// reading any response. For tests only; one thread per client.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tally::net::testing {

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool keep_alive = false;
  bool connection_closed = false;  // the server closed the connection without a reply
};

struct HttpCall {
  std::string method = "GET";
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  ~HttpClient();

  HttpReply Send(const HttpCall& call);
  // Writes every request first, then reads the replies in order.
  std::vector<HttpReply> Pipeline(const std::vector<HttpCall>& calls);
  // Writes raw bytes (for malformed or partial requests).
  void SendRaw(const std::string& bytes);
  // Reads one reply; connection_closed when the server closed instead.
  HttpReply Read();
  // True when the server has closed the connection (a read returns EOF within `timeout_ms`).
  bool ClosedByServer(int timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience wrappers with a Bearer key and JSON content type.
HttpCall Get(const std::string& target, const std::string& key);
HttpCall Post(const std::string& target, const std::string& key, const std::string& body);

}  // namespace tally::net::testing
