#include "net/request_parser.h"

#include <algorithm>

#include <boost/beast/core/string.hpp>

#include "log/assert.h"

namespace tally::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

HttpMethod MethodOf(http::verb verb) {
  switch (verb) {
    case http::verb::get: return HttpMethod::kGet;
    case http::verb::post: return HttpMethod::kPost;
    default: return HttpMethod::kOther;
  }
}

}  // namespace

RequestParser::RequestParser(std::size_t header_bytes_max, std::size_t body_bytes_max)
    : body_bytes_max_(body_bytes_max) {
  TALLY_ASSERT(header_bytes_max > 0 && header_bytes_max <= UINT32_MAX);
  header_limit(static_cast<std::uint32_t>(header_bytes_max));
  body_limit(body_bytes_max);
}

HttpRequest RequestParser::Release() {
  TALLY_ASSERT(is_done());
  TALLY_ASSERT(!released_);
  released_ = true;
  return std::move(request_);
}

void RequestParser::on_request_impl(http::verb method, beast::string_view,
                                    beast::string_view target, int version, beast::error_code&) {
  request_.method = MethodOf(method);
  request_.target.assign(target.data(), target.size());
  version_ = static_cast<unsigned>(version);
}

void RequestParser::on_response_impl(int, beast::string_view, int, beast::error_code&) {
  TALLY_ASSERT_MSG(false, "a request parser was given a response");
}

void RequestParser::on_field_impl(http::field name, beast::string_view, beast::string_view value,
                                  beast::error_code&) {
  switch (name) {
    case http::field::authorization:
      if (!request_.authorization.has_value()) {
        request_.authorization.emplace(value.data(), value.size());
      }
      break;
    case http::field::content_type:
      if (!content_type_seen_) {
        content_type_seen_ = true;
        request_.content_type.assign(value.data(), value.size());
      }
      break;
    case http::field::content_encoding:
      if (!content_encoding_.has_value()) {
        content_encoding_.emplace(value.data(), value.size());
      }
      break;
    case http::field::expect:
      if (!expect_seen_) {
        expect_seen_ = true;
        expects_continue_ = beast::iequals(value, "100-continue");
      }
      break;
    default: break;
  }
}

void RequestParser::on_header_impl(beast::error_code&) {}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      beast::error_code&) {
  if (content_length) {
    // basic_parser refused a length over the limit before this call; the min only guards the
    // reservation if that ever changed.
    request_.body.reserve(
        static_cast<std::size_t>(std::min<std::uint64_t>(*content_length, body_bytes_max_)));
  }
}

std::size_t RequestParser::on_body_impl(beast::string_view body, beast::error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) {}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                              beast::error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_finish_impl(beast::error_code&) {}

}  // namespace tally::net
