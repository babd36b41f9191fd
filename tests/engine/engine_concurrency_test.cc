// Many threads writing and reading different and identical contacts and keys at once (also
// run under TSan): no lost update, log order equals apply order (replay gives the same state),
// and readers never see a torn state.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/state_dump.h"

namespace tally::engine {
namespace {

constexpr int kWriters = 4;
constexpr int kWritesPerThread = 1500;

class EngineConcurrencyTest : public EngineFixture {};

std::string Email(int i) {
  std::string email = "user";
  email += std::to_string(i);
  email += "@x.io";
  return email;
}

TEST_F(EngineConcurrencyTest, ConcurrentWritersAndReadersKeepEveryInvariant) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        // Own contact: one purchase per write, so its sum is known exactly.
        std::string id = "own";
        id += std::to_string(t);
        id += '-';
        id += std::to_string(i);
        ASSERT_TRUE(engine_->Upsert("ws", Purchase(Email(t), id, kFixtureNowUs - i, 1)).ok());
        // Shared keys, bounced between shared contacts: moves, deletes and restores race.
        std::string shared = "shared";
        shared += std::to_string(i % 16);
        EventInput in =
            Purchase(Email(100 + (i + t) % 3), shared, kFixtureNowUs - (i * 7 + t) % 50, 2);
        if ((i + t) % 5 == 0) in.deleted_at = kFixtureNowUs;
        ASSERT_TRUE(engine_->Upsert("ws", in).ok());
        if (i % 100 == 0) {
          ASSERT_TRUE(engine_
                          ->Import("ws", {Purchase(Email(100), shared, kFixtureNowUs - i % 50, 3),
                                          Purchase(Email(t), id, kFixtureNowUs - i, 1)})
                          .status.ok());
        }
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        for (int c = 100; c < 103; ++c) {
          AggregateValue count = Agg(Email(c), GoalType::kPurchase, AggregateOp::kCount);
          AggregateValue sum = Agg(Email(c), GoalType::kPurchase, AggregateOp::kSum);
          EXPECT_LE(count.matched, 16u);
          EXPECT_GE(sum.cents.value_or(0), 0);
          auto page = engine_->Timeline("ws", Email(c), 10, "");
          EXPECT_TRUE(page.ok());
          ListQuery q{"ws", std::nullopt, std::string("order.completed"), 20, 0};
          EXPECT_TRUE(engine_->List(q).ok());
        }
      }
    });
  }
  for (int t = 0; t < kWriters; ++t) threads[t].join();
  stop = true;
  for (std::size_t t = kWriters; t < threads.size(); ++t) threads[t].join();

  for (int t = 0; t < kWriters; ++t) {
    EXPECT_EQ(Agg(Email(t), GoalType::kPurchase, AggregateOp::kSum).cents, kWritesPerThread * 100);
  }
  std::uint64_t shared_live = 0;
  for (int c = 100; c < 103; ++c) {
    shared_live += Agg(Email(c), GoalType::kPurchase, AggregateOp::kCount).matched;
  }
  ListQuery q{"ws", std::nullopt, std::string("order.completed"), 100, 0};
  std::size_t listed_shared = 0;
  for (std::size_t offset = 0;; offset += 100) {
    q.offset = offset;
    auto page = engine_->List(q);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    for (const Event& e : *page) listed_shared += e.external_id.starts_with("shared");
  }
  EXPECT_EQ(shared_live, listed_shared);

  std::vector<std::string> emails;
  for (int c : {0, 1, 2, 3, 100, 101, 102}) emails.push_back(Email(c));
  const std::string live = DumpState(*engine_, "ws", emails, {"order.completed"});
  Reopen();
  EXPECT_EQ(DumpState(*engine_, "ws", emails, {"order.completed"}), live);
}

}  // namespace
}  // namespace tally::engine
