#include "log/durable_callbacks.h"

#include <atomic>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace tally::log {
namespace {

// Adds a callback that appends `lsn` to `calls`; returns whether it was handed back (not queued).
bool Add(DurableCallbacks& callbacks, Lsn lsn, Lsn durable, std::vector<Lsn>& calls) {
  const std::atomic<Lsn> durable_lsn{durable};
  std::optional<DurableCallbacks::Callback> back = callbacks.Add(
      lsn, [&calls, lsn](Status) { calls.push_back(lsn); }, durable_lsn);
  return back.has_value();
}

TEST(DurableCallbacksTest, DeliversDurableCallbacksInLsnOrderAndKeepsTheRest) {
  DurableCallbacks callbacks;
  std::vector<Lsn> calls;
  for (const Lsn lsn : {7, 3, 9, 5, 3}) {
    EXPECT_FALSE(Add(callbacks, lsn, 0, calls));
  }
  callbacks.DeliverUpTo(7);
  EXPECT_EQ(calls, (std::vector<Lsn>{3, 3, 5, 7}));
  EXPECT_TRUE(callbacks.pending());
  callbacks.DeliverUpTo(9);
  EXPECT_EQ(calls.back(), 9u);
  EXPECT_FALSE(callbacks.pending());
}

TEST(DurableCallbacksTest, ADurableLsnIsHandedBackUnlessAnEarlierCallbackIsStillQueued) {
  DurableCallbacks callbacks;
  std::vector<Lsn> calls;
  EXPECT_TRUE(Add(callbacks, 4, 4, calls));   // durable, nothing queued: call it inline
  EXPECT_FALSE(Add(callbacks, 6, 5, calls));  // not durable yet
  EXPECT_TRUE(Add(callbacks, 5, 8, calls));   // durable, and before the queued 6
  EXPECT_FALSE(Add(callbacks, 7, 8, calls));  // durable, but 6 must be called first
  EXPECT_TRUE(calls.empty());
  callbacks.DeliverUpTo(8);
  EXPECT_EQ(calls, (std::vector<Lsn>{6, 7}));
}

TEST(DurableCallbacksTest, CloseCallsEachQueuedCallbackWithItsOutcomeAndHandsLaterOnesBack) {
  DurableCallbacks callbacks;
  std::vector<std::pair<Lsn, Status>> calls;
  const std::atomic<Lsn> durable{0};
  for (const Lsn lsn : {2, 1}) {
    EXPECT_FALSE(callbacks
                     .Add(
                         lsn, [&calls, lsn](Status s) { calls.emplace_back(lsn, s); }, durable)
                     .has_value());
  }
  callbacks.Close(
      [](Lsn lsn) { return lsn == 1 ? Status::Ok() : Status::FailedPrecondition("closed"); });
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first, 1u);
  EXPECT_TRUE(calls[0].second.ok());
  EXPECT_EQ(calls[1].first, 2u);
  EXPECT_EQ(calls[1].second.code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(callbacks
                  .Add(
                      3, [](Status) {}, durable)
                  .has_value());
  callbacks.Close([](Lsn) { return Status::Ok(); });  // idempotent
  EXPECT_EQ(calls.size(), 2u);
}

}  // namespace
}  // namespace tally::log
