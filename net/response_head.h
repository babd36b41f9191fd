// ResponseHead: the status line and header fields of one response, formatted into a fixed
// buffer so that a session can hand the head and the body to one gathered write without
// building a Beast message (whose fields allocate) for every response.
//
// The head is what Beast's serializer wrote for the same response: the status line with the
// standard reason phrase, Content-Type, Connection when it differs from the version's default
// (close on HTTP/1.1, keep-alive on HTTP/1.0), Content-Length. A value type; not synchronized.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace tally::net {

// The longest head: a 3-digit status with the longest reason Beast knows, the longest content
// type the server sends (≤ 64 bytes, asserted) and a 20-digit length fit with room to spare.
inline constexpr std::size_t kResponseHeadBytesMax = 256;

struct ResponseHead {
  std::array<char, kResponseHeadBytesMax> bytes;
  std::size_t size = 0;
  std::string_view view() const { return {bytes.data(), size}; }
};

// `version` is 10 or 11; `close` says the connection ends after this response.
ResponseHead FormatResponseHead(unsigned status, std::string_view content_type,
                                std::size_t body_bytes, unsigned version, bool close);

}  // namespace tally::net
