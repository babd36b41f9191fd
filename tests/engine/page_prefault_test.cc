#include "engine/page_prefault.h"

#include <cstddef>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace tally::engine {
namespace {

// A fresh anonymous mapping, whose pages are not resident until written or populated.
class PagePrefaultTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kPages = 64;

  void SetUp() override {
    page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    void* mapped =
        ::mmap(nullptr, kPages * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    data_ = static_cast<char*>(mapped);
  }
  void TearDown() override { ::munmap(data_, kPages * page_); }

  std::vector<bool> Resident() const {
    std::vector<unsigned char> flags(kPages);
    EXPECT_EQ(::mincore(data_, kPages * page_, flags.data()), 0);
    std::vector<bool> resident;
    for (unsigned char flag : flags) resident.push_back((flag & 1) != 0);
    return resident;
  }

  std::size_t page_ = 0;
  char* data_ = nullptr;
};

TEST_F(PagePrefaultTest, PopulatesThePagesAheadOfTheWrittenBytesWithinTheCapacity) {
  ASSERT_GT(kPages * page_, PagePrefault::kAheadBytes + 3 * page_);
  PagePrefault prefault;
  prefault.Ahead(data_, 2 * page_ + 10, kPages * page_);
  const std::vector<bool> resident = Resident();
  const std::size_t last = (2 * page_ + 10 + PagePrefault::kAheadBytes - 1) / page_;
  for (std::size_t p = 0; p < kPages; ++p) {
    // The pages before the written bytes' page are left alone; those ahead are populated.
    EXPECT_EQ(resident[p], p >= 2 && p <= last) << "page " << p;
  }
}

TEST_F(PagePrefaultTest, StopsAtTheCapacity) {
  PagePrefault prefault;
  prefault.Ahead(data_, 0, 3 * page_);
  const std::vector<bool> resident = Resident();
  for (std::size_t p = 0; p < kPages; ++p) EXPECT_EQ(resident[p], p < 3) << "page " << p;
}

TEST_F(PagePrefaultTest, ChangesNoByte) {
  std::memset(data_, 'x', page_);
  PagePrefault prefault;
  prefault.Ahead(data_, page_ / 2, kPages * page_);
  for (std::size_t i = 0; i < page_; ++i) ASSERT_EQ(data_[i], 'x') << "byte " << i;
  for (std::size_t i = page_; i < 2 * page_; ++i) ASSERT_EQ(data_[i], 0) << "byte " << i;
}

TEST_F(PagePrefaultTest, PopulatesAgainOnlyWhenLessThanHalfTheDistanceRemains) {
  PagePrefault prefault;
  prefault.Ahead(data_, 0, kPages * page_);
  const std::size_t populated_pages = PagePrefault::kAheadBytes / page_;
  // Half still ahead: nothing new.
  prefault.Ahead(data_, PagePrefault::kAheadBytes / 2, kPages * page_);
  EXPECT_FALSE(Resident()[populated_pages]);
  // Less than half ahead: populated again up to the distance past the written bytes.
  prefault.Ahead(data_, PagePrefault::kAheadBytes / 2 + 1, kPages * page_);
  EXPECT_TRUE(Resident()[populated_pages]);
}

}  // namespace
}  // namespace tally::engine
