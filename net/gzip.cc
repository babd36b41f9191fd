#include "net/gzip.h"

#include <algorithm>

#include <zlib.h>

namespace tally::net {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 16: expect a gzip header, not a raw zlib one
constexpr std::size_t kGrowBytes = 64 << 10;

}  // namespace

Result<std::string> Gunzip(std::string_view compressed, std::size_t decoded_bytes_max) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) {
    return Status::Internal("zlib inflateInit2 failed");
  }
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (out.size() == decoded_bytes_max + 1) {
      break;
    }
    // One byte past the limit is enough to know the body is too large.
    std::size_t room = std::min(kGrowBytes, decoded_bytes_max + 1 - out.size());
    std::size_t used = out.size();
    out.resize(used + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(used + room - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      break;  // input ended before the stream did
    }
    if (rc == Z_BUF_ERROR) {
      rc = Z_OK;  // output space ran out; loop to grow it
    }
  }
  bool trailing_input = zs.avail_in != 0;
  inflateEnd(&zs);
  if (out.size() > decoded_bytes_max) {
    return Status::OutOfRange("decoded body exceeds the limit");
  }
  if (rc != Z_STREAM_END || trailing_input) {
    return Status::InvalidArgument("body is not a complete gzip stream");
  }
  return out;
}

}  // namespace tally::net
