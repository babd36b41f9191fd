#include "log/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace tally {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kOk);
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::Corruption("segment 00000001.tlog offset 64: bad checksum");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), "segment 00000001.tlog offset 64: bad checksum");
  EXPECT_EQ(s.ToString(), "corruption: segment 00000001.tlog offset 64: bad checksum");
}

TEST(StatusTest, FromErrnoMapsNoSpace) {
  EXPECT_TRUE(Status::FromErrno(ENOSPC, "fallocate").IsNoSpace());
  EXPECT_TRUE(Status::FromErrno(EDQUOT, "fallocate").IsNoSpace());
  Status io = Status::FromErrno(EIO, "fdatasync");
  EXPECT_EQ(io.code(), Status::Code::kIoError);
  EXPECT_EQ(io.message().substr(0, 11), "fdatasync: ");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsOk) {
  EXPECT_TRUE(Status::Ok().WithContext("open").ok());
  Status s = Status::NotFound("no such key").WithContext("keys revoke");
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "keys revoke: no such key");
}

TEST(StatusTest, CopiesCompareEqual) {
  Status a = Status::IoError("x");
  Status b = a;
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == Status::IoError("y"));
  EXPECT_FALSE(a == Status::NoSpace("x"));
}

Status FailsWhenNegative(int x) {
  TALLY_RETURN_IF_ERROR(x < 0 ? Status::InvalidArgument("negative") : Status::Ok());
  return Status::Ok();
}

TEST(StatusTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(FailsWhenNegative(1).ok());
  EXPECT_TRUE(FailsWhenNegative(-1).IsInvalidArgument());
}

}  // namespace
}  // namespace tally
