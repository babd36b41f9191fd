#include "net/data_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

TEST(DataDirLockTest, ASecondHolderIsRefusedWithTheFirstOnesPid) {
  TempDir dir;
  const std::filesystem::path data = dir.path() / "data";
  {
    Result<DataDirLock> first = DataDirLock::Acquire(data);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_TRUE(std::filesystem::exists(data / "LOCK"));
    Result<DataDirLock> second = DataDirLock::Acquire(data);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_NE(second.status().message().find("in use by another tally process (pid " +
                                             std::to_string(::getpid()) + ")"),
              std::string::npos)
        << second.status().ToString();
  }
  // Released with its owner.
  EXPECT_TRUE(DataDirLock::Acquire(data).ok());
}

TEST(DataDirLockTest, MovingTheLockKeepsItHeld) {
  TempDir dir;
  Result<DataDirLock> first = DataDirLock::Acquire(dir.path());
  ASSERT_TRUE(first.ok());
  DataDirLock moved = std::move(first).value();
  EXPECT_FALSE(DataDirLock::Acquire(dir.path()).ok());
}

}  // namespace
}  // namespace tally::net
