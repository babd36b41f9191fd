#include "net/response_head.h"

#include <sstream>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

namespace tally::net {
namespace {

namespace http = boost::beast::http;

// What Beast's serializer writes before the body for the same response, as the session sent
// it before it formatted heads itself.
std::string BeastHead(unsigned status, std::string_view type, std::size_t body_bytes,
                      unsigned version, bool close) {
  http::response<http::string_body> r(static_cast<http::status>(status), version);
  r.set(http::field::content_type, type);
  r.keep_alive(!close);
  r.body() = std::string(body_bytes, 'x');
  r.prepare_payload();
  std::ostringstream out;
  out << r;
  std::string wire = out.str();
  return wire.substr(0, wire.size() - body_bytes);
}

TEST(ResponseHeadTest, MatchesBeastsSerializerForEveryVersionAndConnectionCase) {
  for (unsigned version : {10u, 11u}) {
    for (bool close : {false, true}) {
      for (unsigned status : {200u, 201u, 400u, 413u, 431u, 503u}) {
        for (std::size_t bytes : {0ul, 7ul, 12345ul}) {
          for (std::string_view type : {"application/json", "text/plain; version=0.0.4"}) {
            EXPECT_EQ(FormatResponseHead(status, type, bytes, version, close).view(),
                      BeastHead(status, type, bytes, version, close))
                << status << " " << version << " " << close << " " << bytes << " " << type;
          }
        }
      }
    }
  }
}

TEST(ResponseHeadTest, KeepAliveHttp11HeadHasNoConnectionField) {
  EXPECT_EQ(FormatResponseHead(200, "application/json", 15, 11, false).view(),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n");
}

}  // namespace
}  // namespace tally::net
