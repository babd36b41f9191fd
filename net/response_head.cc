#include "net/response_head.h"

#include <charconv>
#include <cstring>
#include <ostream>  // boost/beast/http/status.hpp uses operator<< without including it

#include <boost/beast/http/status.hpp>

#include "log/assert.h"

namespace tally::net {
namespace {

constexpr std::size_t kContentTypeBytesMax = 64;

class HeadWriter {
 public:
  explicit HeadWriter(ResponseHead& head) : head_(head) {}
  void Append(std::string_view text) {
    TALLY_ASSERT(head_.size + text.size() <= head_.bytes.size());
    std::memcpy(head_.bytes.data() + head_.size, text.data(), text.size());
    head_.size += text.size();
  }
  void AppendNumber(std::size_t n) {
    char* begin = head_.bytes.data() + head_.size;
    std::to_chars_result r = std::to_chars(begin, head_.bytes.data() + head_.bytes.size(), n);
    TALLY_ASSERT(r.ec == std::errc());
    head_.size = static_cast<std::size_t>(r.ptr - head_.bytes.data());
  }

 private:
  ResponseHead& head_;
};

}  // namespace

ResponseHead FormatResponseHead(unsigned status, std::string_view content_type,
                                std::size_t body_bytes, unsigned version, bool close) {
  TALLY_ASSERT(version == 10 || version == 11);
  TALLY_ASSERT(status >= 100 && status <= 999);
  TALLY_ASSERT(content_type.size() <= kContentTypeBytesMax);
  ResponseHead head;
  HeadWriter w(head);
  w.Append(version == 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
  w.AppendNumber(status);
  w.Append(" ");
  boost::beast::string_view reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  w.Append(std::string_view(reason.data(), reason.size()));
  w.Append("\r\nContent-Type: ");
  w.Append(content_type);
  if (version == 11 && close) {
    w.Append("\r\nConnection: close");
  } else if (version == 10 && !close) {
    w.Append("\r\nConnection: keep-alive");
  }
  w.Append("\r\nContent-Length: ");
  w.AppendNumber(body_bytes);
  w.Append("\r\n\r\n");
  return head;
}

}  // namespace tally::net
