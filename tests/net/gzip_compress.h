// GzipCompress: the test side of `Content-Encoding: gzip`, producing a complete gzip stream
// with zlib so tests can send compressed request bodies. Stateless and thread safe.
#pragma once

#include <string>

#include <zlib.h>

namespace tally::net::testing {

inline std::string GzipCompress(const std::string& plain, int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs{};
  // 15 + 16: the largest window, with a gzip header and trailer instead of a zlib one.
  deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, plain.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace tally::net::testing
