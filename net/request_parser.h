// RequestParser: a Beast HTTP/1.1 request parser that fills an HttpRequest directly.
//
// Beast's request_parser stores every header field in a basic_fields, one allocation per field,
// and the session then copied the few it reads. This parser keeps only what the server uses —
// method, target, Authorization, Content-Type, Content-Encoding and Expect — and appends the
// body to the request's string, so parsing a request allocates only its target and body.
// Framing (Content-Length, chunked, keep-alive), the header and body limits and their errors
// (http::error::header_limit, body_limit) are Beast's basic_parser's.
//
// Of a repeated field the first one counts, as basic_fields::find returned it. One parser per
// request; not synchronized (a session's parser is used only on its own thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

// GCC 12 with -fsanitize=address reports -Wmaybe-uninitialized inside Beast's parser (a
// boost::optional returned by basic_parser::content_length_unchecked) once it is inlined into
// our code; the value is initialized on every path. Silenced for this header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/http/basic_parser.hpp>
#pragma GCC diagnostic pop

#include "net/http_message.h"

namespace tally::net {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  RequestParser(std::size_t header_bytes_max, std::size_t body_bytes_max);

  // Valid once is_header_done(): 10 for HTTP/1.0, 11 for HTTP/1.1.
  unsigned version() const { return version_; }
  // Valid once is_header_done(): the first Content-Encoding value; nullopt when absent.
  const std::optional<std::string>& content_encoding() const { return content_encoding_; }
  // Valid once is_header_done(): the request carries "Expect: 100-continue".
  bool expects_continue() const { return expects_continue_; }
  // Moves the request out; call once, after is_done().
  HttpRequest Release();

 private:
  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_text,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& ec) override;
  void on_response_impl(int status, boost::beast::string_view reason, int version,
                        boost::beast::error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_text,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::beast::error_code& ec) override;
  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::beast::error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                                 boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code& ec) override;

  const std::size_t body_bytes_max_;
  HttpRequest request_;
  unsigned version_ = 11;
  bool content_type_seen_ = false;
  bool expect_seen_ = false;
  bool expects_continue_ = false;
  bool released_ = false;
  std::optional<std::string> content_encoding_;
};

}  // namespace tally::net
