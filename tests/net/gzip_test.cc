#include "net/gzip.h"

#include <gtest/gtest.h>

#include "tests/net/gzip_compress.h"

namespace tally::net {
namespace {

using testing::GzipCompress;

TEST(GzipTest, DecodesAStreamUpToTheLimit) {
  std::string plain(200'000, 'x');
  Result<std::string> r = Gunzip(GzipCompress(plain), plain.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, plain);
}

TEST(GzipTest, OneByteOverTheLimitIsOutOfRange) {
  std::string plain(200'001, 'x');
  EXPECT_EQ(Gunzip(GzipCompress(plain), 200'000).status().code(), Status::Code::kOutOfRange);
}

TEST(GzipTest, BombStopsAtTheLimitWithoutInflatingEverything) {
  std::string plain(64 << 20, '\0');
  EXPECT_EQ(Gunzip(GzipCompress(plain), 1 << 20).status().code(), Status::Code::kOutOfRange);
}

TEST(GzipTest, GarbageAndTruncatedStreamsAreInvalid) {
  EXPECT_TRUE(Gunzip("not gzip", 1 << 20).status().IsInvalidArgument());
  std::string z = GzipCompress("{\"a\":1}");
  EXPECT_TRUE(Gunzip(z.substr(0, z.size() - 4), 1 << 20).status().IsInvalidArgument());
  EXPECT_TRUE(Gunzip(z + "trailing", 1 << 20).status().IsInvalidArgument());
  EXPECT_TRUE(Gunzip("", 1 << 20).status().IsInvalidArgument());
}

}  // namespace
}  // namespace tally::net
