#include "net/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

namespace tally::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::string_view kSnapshotPath = "/admin/snapshot";
// A snapshot report is a few hundred bytes; anything much larger is not one.
constexpr std::size_t kResponseBodyBytesMax = 64 << 10;

struct Target {
  std::string host;
  std::string port;
};

Result<Target> ParseServerUrl(std::string_view url) {
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty() ||
      (!parsed->path().empty() && parsed->path() != "/") || parsed->has_query()) {
    return Status::InvalidArgument("--server must be http://host[:port], got \"" +
                                   std::string(url) + "\"");
  }
  Target t;
  t.host = parsed->host();
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']') {
    t.host = t.host.substr(1, t.host.size() - 2);
  }
  t.port = parsed->has_port() ? std::string(parsed->port()) : "80";
  return t;
}

}  // namespace

Result<boost::json::object> PostAdminSnapshot(std::string_view url, std::string_view key) {
  TALLY_ASSIGN_OR_RETURN(Target target, ParseServerUrl(url));
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyBytesMax);
  try {
    asio::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve(target.host, target.port));
    http::request<http::string_body> request(http::verb::post, kSnapshotPath, 11);
    request.set(http::field::host, target.host);
    request.set(http::field::authorization, "Bearer " + std::string(key));
    request.set(http::field::content_type, "application/json");
    request.body() = "{}";
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::read(stream, buffer, parser);
  } catch (const boost::system::system_error& e) {
    return Status::Unavailable("cannot reach " + std::string(url) + ": " + e.code().message());
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  const http::response<http::string_body>& response = parser.get();
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response.body(), ec);
  if (response.result_int() != 200) {
    std::string message = response.body();
    if (!ec && body.is_object() && body.as_object().contains("error") &&
        body.as_object().at("error").is_string()) {
      message = std::string(body.as_object().at("error").get_string());
    }
    return Status::FailedPrecondition("server answered " + std::to_string(response.result_int()) +
                                      ": " + message);
  }
  if (ec || !body.is_object()) {
    return Status::FailedPrecondition("server answered 200 with a body that is not a JSON object");
  }
  return std::move(body.as_object());
}

}  // namespace tally::net
