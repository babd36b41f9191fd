#include "net/request_parser.h"

#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

namespace tally::net {
namespace {

namespace http = boost::beast::http;

constexpr std::size_t kHeaderMax = 8 << 10;
constexpr std::size_t kBodyMax = 1 << 10;

// Feeds `wire` to `parser` in pieces of `piece` bytes the way the session does: bytes the
// parser did not use are presented again with the next piece. Returns the last error.
boost::beast::error_code Feed(RequestParser& parser, std::string_view wire, std::size_t piece) {
  std::string pending;
  boost::beast::error_code ec;
  for (std::size_t at = 0; at < wire.size() && !parser.is_done();) {
    std::size_t n = std::min(piece, wire.size() - at);
    pending.append(wire.substr(at, n));
    at += n;
    while (!pending.empty() && !parser.is_done()) {
      ec = {};
      std::size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || used == 0) {
        return ec;
      }
    }
  }
  return ec;
}

TEST(RequestParserTest, KeepsMethodTargetAndTheFieldsTheServerReads) {
  RequestParser parser(kHeaderMax, kBodyMax);
  std::string wire =
      "POST /api/customEvents.upsert?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a\r\n"
      "authorization: Bearer second\r\nContent-Type: application/json\r\n"
      "Content-Encoding: gzip\r\nX-Other: y\r\nContent-Length: 4\r\n\r\nbody";
  ASSERT_FALSE(Feed(parser, wire, wire.size()));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.version(), 11u);
  EXPECT_TRUE(parser.keep_alive());
  ASSERT_TRUE(parser.content_encoding().has_value());
  EXPECT_EQ(*parser.content_encoding(), "gzip");
  EXPECT_FALSE(parser.expects_continue());
  HttpRequest request = parser.Release();
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(request.target, "/api/customEvents.upsert?x=1");
  ASSERT_TRUE(request.authorization.has_value());
  EXPECT_EQ(*request.authorization, "Bearer a");  // the first of a repeated field
  EXPECT_EQ(request.content_type, "application/json");
  EXPECT_EQ(request.body, "body");
}

TEST(RequestParserTest, AbsentFieldsStayAbsent) {
  RequestParser parser(kHeaderMax, kBodyMax);
  ASSERT_FALSE(Feed(parser, "GET /livez HTTP/1.1\r\nHost: h\r\n\r\n", 64));
  ASSERT_TRUE(parser.is_done());
  EXPECT_FALSE(parser.content_encoding().has_value());
  HttpRequest request = parser.Release();
  EXPECT_EQ(request.method, HttpMethod::kGet);
  EXPECT_FALSE(request.authorization.has_value());
  EXPECT_TRUE(request.content_type.empty());
  EXPECT_TRUE(request.body.empty());
}

TEST(RequestParserTest, RequestArrivingOneByteAtATimeIsParsedWhole) {
  RequestParser parser(kHeaderMax, kBodyMax);
  std::string wire =
      "POST /a HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer k\r\nContent-Length: 11\r\n\r\n"
      "{\"a\":\"bcd\"}";
  ASSERT_FALSE(Feed(parser, wire, 1));
  ASSERT_TRUE(parser.is_done());
  HttpRequest request = parser.Release();
  EXPECT_EQ(*request.authorization, "Bearer k");
  EXPECT_EQ(request.body, "{\"a\":\"bcd\"}");
}

TEST(RequestParserTest, ChunkedBodyIsJoined) {
  RequestParser parser(kHeaderMax, kBodyMax);
  std::string wire =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
  ASSERT_FALSE(Feed(parser, wire, 5));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.Release().body, "abcdefg");
}

TEST(RequestParserTest, ContentLengthOverTheLimitFailsBeforeTheBody) {
  RequestParser parser(kHeaderMax, kBodyMax);
  std::string wire =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(kBodyMax + 1) + "\r\n\r\n";
  EXPECT_EQ(Feed(parser, wire, wire.size()), http::error::body_limit);
}

TEST(RequestParserTest, ChunkedBodyOverTheLimitFails) {
  RequestParser parser(kHeaderMax, kBodyMax);
  std::string chunk(kBodyMax, 'x');
  std::string wire = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
                     chunk + "\r\n1\r\ny\r\n0\r\n\r\n";
  EXPECT_EQ(Feed(parser, wire, 512), http::error::body_limit);
}

TEST(RequestParserTest, HeadersOverTheLimitFail) {
  RequestParser parser(64, kBodyMax);
  std::string wire = "GET /a HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(100, 'x') + "\r\n\r\n";
  EXPECT_EQ(Feed(parser, wire, wire.size()), http::error::header_limit);
}

TEST(RequestParserTest, Http10IsKeptAliveOnlyWhenAsked) {
  RequestParser plain(kHeaderMax, kBodyMax);
  ASSERT_FALSE(Feed(plain, "GET /a HTTP/1.0\r\n\r\n", 64));
  EXPECT_EQ(plain.version(), 10u);
  EXPECT_FALSE(plain.keep_alive());
  RequestParser asked(kHeaderMax, kBodyMax);
  ASSERT_FALSE(Feed(asked, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 64));
  EXPECT_TRUE(asked.keep_alive());
  RequestParser closing(kHeaderMax, kBodyMax);
  ASSERT_FALSE(Feed(closing, "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n", 64));
  EXPECT_FALSE(closing.keep_alive());
}

TEST(RequestParserTest, ExpectContinueIsSeenOnceTheHeaderIsDone) {
  RequestParser parser(kHeaderMax, kBodyMax);
  std::string header =
      "POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n";
  ASSERT_FALSE(Feed(parser, header, header.size()));
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  EXPECT_TRUE(parser.expects_continue());
}

}  // namespace
}  // namespace tally::net
