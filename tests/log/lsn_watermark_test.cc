#include "log/lsn_watermark.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tally::log {
namespace {

TEST(LsnWatermarkTest, AdvancesOnlyOverContiguousDoneLsns) {
  LsnWatermark watermark(10);
  EXPECT_EQ(watermark.written(), 10u);
  watermark.MarkDone(12);
  watermark.MarkDone(13);
  EXPECT_EQ(watermark.Advance(), 10u);
  watermark.MarkDone(11);
  EXPECT_EQ(watermark.written(), 10u);  // moves only when advanced
  EXPECT_EQ(watermark.Advance(), 13u);
  EXPECT_EQ(watermark.written(), 13u);
  watermark.MarkDone(15);
  EXPECT_EQ(watermark.Advance(), 13u);
}

TEST(LsnWatermarkTest, RoomEndsOneRingAheadOfTheWatermark) {
  LsnWatermark watermark(0);
  EXPECT_TRUE(watermark.HasRoomFor(LsnWatermark::kSlots - 1));
  EXPECT_FALSE(watermark.HasRoomFor(LsnWatermark::kSlots));
  watermark.MarkDone(1);
  EXPECT_FALSE(watermark.HasRoomFor(LsnWatermark::kSlots));
  watermark.Advance();
  EXPECT_TRUE(watermark.HasRoomFor(LsnWatermark::kSlots));
}

TEST(LsnWatermarkTest, ConcurrentOutOfOrderMarksReachTheLastLsn) {
  constexpr int kThreads = 4;
  constexpr Lsn kLsns = 200000;
  LsnWatermark watermark(0);
  std::atomic<Lsn> next{1};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        const Lsn lsn = next.fetch_add(1);
        if (lsn > kLsns) {
          return;
        }
        while (!watermark.HasRoomFor(lsn)) {
          watermark.Advance();
          std::this_thread::yield();
        }
        watermark.MarkDone(lsn);
        if (lsn % 1000 == 0) {
          EXPECT_LE(watermark.Advance(), kLsns);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(watermark.Advance(), kLsns);
}

}  // namespace
}  // namespace tally::log
