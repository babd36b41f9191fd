#include "net/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace tally::net {
namespace {

std::string Compress(const std::string& plain) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
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

TEST(GzipTest, DecodesAStreamUpToTheLimit) {
  std::string plain(200'000, 'x');
  Result<std::string> r = Gunzip(Compress(plain), plain.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, plain);
}

TEST(GzipTest, OneByteOverTheLimitIsOutOfRange) {
  std::string plain(200'001, 'x');
  EXPECT_EQ(Gunzip(Compress(plain), 200'000).status().code(), Status::Code::kOutOfRange);
}

TEST(GzipTest, BombStopsAtTheLimitWithoutInflatingEverything) {
  std::string plain(64 << 20, '\0');
  EXPECT_EQ(Gunzip(Compress(plain), 1 << 20).status().code(), Status::Code::kOutOfRange);
}

TEST(GzipTest, GarbageAndTruncatedStreamsAreInvalid) {
  EXPECT_TRUE(Gunzip("not gzip", 1 << 20).status().IsInvalidArgument());
  std::string z = Compress("{\"a\":1}");
  EXPECT_TRUE(Gunzip(z.substr(0, z.size() - 4), 1 << 20).status().IsInvalidArgument());
  EXPECT_TRUE(Gunzip(z + "trailing", 1 << 20).status().IsInvalidArgument());
  EXPECT_TRUE(Gunzip("", 1 << 20).status().IsInvalidArgument());
}

}  // namespace
}  // namespace tally::net
