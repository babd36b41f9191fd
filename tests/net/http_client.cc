#include "tests/net/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <poll.h>

namespace tally::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Impl {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  impl_->socket.set_option(asio::ip::tcp::no_delay(true));
}

HttpClient::~HttpClient() = default;

namespace {

http::request<http::string_body> ToRequest(const HttpCall& call) {
  http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
  if (req.method() == http::verb::unknown) {
    req.method_string(call.method);
  }
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : call.headers) {
    req.set(name, value);
  }
  req.body() = call.body;
  req.prepare_payload();
  return req;
}

}  // namespace

HttpReply HttpClient::Read() {
  HttpReply reply;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code ec;
  http::read(impl_->socket, impl_->buffer, parser, ec);
  if (ec) {
    reply.connection_closed = true;
    return reply;
  }
  auto& res = parser.get();
  reply.status = res.result_int();
  reply.body = res.body();
  reply.keep_alive = res.keep_alive();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

HttpReply HttpClient::Send(const HttpCall& call) {
  beast::error_code ec;
  http::write(impl_->socket, ToRequest(call), ec);
  if (ec) {
    HttpReply reply;
    reply.connection_closed = true;
    return reply;
  }
  return Read();
}

std::vector<HttpReply> HttpClient::Pipeline(const std::vector<HttpCall>& calls) {
  std::string wire;
  for (const HttpCall& call : calls) {
    std::ostringstream out;
    out << ToRequest(call);
    wire += out.str();
  }
  SendRaw(wire);
  std::vector<HttpReply> replies;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    replies.push_back(Read());
  }
  return replies;
}

void HttpClient::SendRaw(const std::string& bytes) {
  beast::error_code ec;
  asio::write(impl_->socket, asio::buffer(bytes), ec);
}

bool HttpClient::ClosedByServer(int timeout_ms) {
  pollfd p{impl_->socket.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) {
    return false;
  }
  char byte;
  beast::error_code ec;
  std::size_t n = impl_->socket.read_some(asio::buffer(&byte, 1), ec);
  return n == 0 && ec;
}

HttpCall Get(const std::string& target, const std::string& key) {
  HttpCall call;
  call.method = "GET";
  call.target = target;
  call.headers.push_back({"Authorization", "Bearer " + key});
  return call;
}

HttpCall Post(const std::string& target, const std::string& key, const std::string& body) {
  HttpCall call;
  call.method = "POST";
  call.target = target;
  call.body = body;
  call.headers.push_back({"Authorization", "Bearer " + key});
  call.headers.push_back({"Content-Type", "application/json"});
  return call;
}

}  // namespace tally::net::testing
