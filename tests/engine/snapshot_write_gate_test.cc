// WriteGate: a closed gate waits for the writers inside and keeps new ones out until opened.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/write_gate.h"

namespace tally::engine {
namespace {

using std::chrono::milliseconds;

TEST(WriteGateTest, CloseWaitsForTheWriterInside) {
  WriteGate gate;
  std::atomic<bool> left{false};
  gate.Enter();
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    left = true;
    gate.Leave();
  });
  gate.Close();
  EXPECT_TRUE(left.load());
  gate.Open();
  writer.join();
}

TEST(WriteGateTest, WritersWaitWhileClosedAndPassOnceOpen) {
  WriteGate gate;
  gate.Close();
  std::atomic<bool> passed{false};
  std::thread writer([&] {
    const WriteGatePass pass(gate);
    passed = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(passed.load());
  gate.Open();
  writer.join();
  EXPECT_TRUE(passed.load());
}

TEST(WriteGateTest, ConcurrentWritersNeverRunWhileClosed) {
  WriteGate gate;
  std::atomic<bool> closed{false};
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      while (!stop.load()) {
        const WriteGatePass pass(gate);
        if (closed.load()) ++violations;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    gate.Close();
    closed = true;
    std::this_thread::yield();
    closed = false;
    gate.Open();
  }
  stop = true;
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(violations.load(), 0);
}

}  // namespace
}  // namespace tally::engine
