#include "log/lsn_watermark.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tally::log {
namespace {

FrameEnd End(std::uint64_t offset) {
  return FrameEnd{.seq = 1, .offset = offset};
}

TEST(LsnWatermarkTest, AdvancesOnlyOverContiguousDoneLsnsAndReportsWhereTheLastOneEnds) {
  LsnWatermark watermark(10, End(1000));
  EXPECT_EQ(watermark.written(), 10u);
  watermark.MarkDone(12, End(1200));
  watermark.MarkDone(13, End(1300));
  EXPECT_EQ(watermark.Advance().lsn, 10u);
  EXPECT_EQ(watermark.Advance().end.offset, 1000u);
  watermark.MarkDone(11, End(1100));
  EXPECT_EQ(watermark.written(), 10u);  // moves only when advanced
  const LsnWatermark::Written advanced = watermark.Advance();
  EXPECT_EQ(advanced.lsn, 13u);
  EXPECT_EQ(advanced.end.offset, 1300u);
  EXPECT_EQ(watermark.written(), 13u);
  watermark.MarkDone(15, End(1500));
  EXPECT_EQ(watermark.Advance().lsn, 13u);
  EXPECT_EQ(watermark.Advance().end.offset, 1300u);
}

TEST(LsnWatermarkTest, RoomEndsOneRingAheadOfTheWatermark) {
  LsnWatermark watermark(0, End(64));
  EXPECT_TRUE(watermark.HasRoomFor(LsnWatermark::kSlots - 1));
  EXPECT_FALSE(watermark.HasRoomFor(LsnWatermark::kSlots));
  watermark.MarkDone(1, End(100));
  EXPECT_FALSE(watermark.HasRoomFor(LsnWatermark::kSlots));
  watermark.Advance();
  EXPECT_TRUE(watermark.HasRoomFor(LsnWatermark::kSlots));
}

TEST(LsnWatermarkTest, ConcurrentOutOfOrderMarksReachTheLastLsn) {
  constexpr int kThreads = 4;
  constexpr Lsn kLsns = 200000;
  LsnWatermark watermark(0, End(0));
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
        watermark.MarkDone(lsn, End(lsn * 10));
        if (lsn % 1000 == 0) {
          const LsnWatermark::Written advanced = watermark.Advance();
          EXPECT_LE(advanced.lsn, kLsns);
          EXPECT_EQ(advanced.end.offset, advanced.lsn * 10);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(watermark.Advance().lsn, kLsns);
}

}  // namespace
}  // namespace tally::log
