// Replay: state rebuilt from the log equals the live state, entry ids included.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "log/logger.h"
#include "schemas/log_record_generated.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/state_dump.h"

namespace tally::engine {
namespace {

class EngineReplayTest : public EngineFixture {};

TEST_F(EngineReplayTest, ReplayRebuildsTheSameState) {
  MustUpsert(Purchase("a@x.io", "o1", kFixtureNowUs - 100, 10));
  MustUpsert(Purchase("a@x.io", "o2", kFixtureNowUs - 90, 20.5));
  clock_.Advance(1);
  MustUpsert(Purchase("b@x.io", "o1", kFixtureNowUs - 50, 11));  // moves o1
  EventInput del = Input("a@x.io", "page.view", "p1", kFixtureNowUs - 80);
  del.deleted_at = kFixtureNowUs;
  MustUpsert(del);
  clock_.Advance(1);
  ASSERT_TRUE(engine_
                  ->Import("ws", {Input("c@x.io", "page.view", "p2", kFixtureNowUs - 70),
                                  Input("a@x.io", "page.view", "p1", kFixtureNowUs - 90)})
                  .status.ok());  // p1 restored
  MustUpsert(Input("d@x.io", "signup", "s1", kFixtureNowUs - 10));
  ASSERT_TRUE(engine_->EraseContact("ws", "d@x.io").ok());
  MustUpsert(Input("e@x.io", "signup", "s1", kFixtureNowUs - 10), "ws2");
  const std::vector<std::string> emails = {"a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"};
  const std::vector<std::string> names = {"order.completed", "page.view", "signup"};
  const std::string live = DumpState(*engine_, "ws", emails, names);
  const std::string live2 = DumpState(*engine_, "ws2", emails, names);
  Reopen();
  EXPECT_EQ(DumpState(*engine_, "ws", emails, names), live);
  EXPECT_EQ(DumpState(*engine_, "ws2", emails, names), live2);
  EXPECT_EQ(engine_->GetStats().applied_lsn, log_->last_lsn());
  // Writes after a replay continue from the log's LSN with fresh timeline ids.
  MustUpsert(Input("a@x.io", "page.view", "p9", kFixtureNowUs));
  EXPECT_EQ(engine_->GetStats().applied_lsn, 9u);
}

TEST_F(EngineReplayTest, ReplayReportsWhatItApplied) {
  MustUpsert(Input("a@x.io", "signup", "s1", kFixtureNowUs - 10));
  MustUpsert(Input("a@x.io", "signup", "s2", kFixtureNowUs - 10));
  std::vector<std::string> lines;
  SetLogLevel(LogLevel::kInfo);
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  Reopen();
  SetLogSink({});
  SetLogLevel(LogLevel::kWarn);
  ASSERT_FALSE(lines.empty());
  const std::string& done = lines.back();
  EXPECT_NE(done.find(R"("msg":"replay done")"), std::string::npos) << done;
  EXPECT_NE(done.find(R"("records":2)"), std::string::npos) << done;
  EXPECT_NE(done.find(R"("applied_lsn":2)"), std::string::npos) << done;
}

// The engine only logs a delete of a live segment; one of an unknown segment changes nothing.
TEST_F(EngineReplayTest, ReplayOfADeleteOfAnUnknownSegmentChangesNothing) {
  MustUpsert(Input("a@x.io", "signup", "s1", kFixtureNowUs - 10));
  flatbuffers::FlatBufferBuilder b;
  const auto body =
      schemas::CreateSegmentDelete(b, b.CreateString("ws"), b.CreateString("seg"), kFixtureNowUs);
  schemas::FinishRecordBuffer(
      b, schemas::CreateRecord(b, schemas::RecordBody::SegmentDelete, body.Union()));
  ASSERT_TRUE(log_->Append(static_cast<std::uint16_t>(schemas::RecordBody::SegmentDelete),
                           {reinterpret_cast<const std::byte*>(b.GetBufferPointer()), b.GetSize()})
                  .ok());
  Reopen();
  EXPECT_TRUE(engine_->Get("ws", "signup", "s1").ok());
  EXPECT_EQ(engine_->GetStats().applied_lsn, 2u);
  EXPECT_TRUE(engine_->GetSegment("ws", "seg").status().IsNotFound());
}

}  // namespace
}  // namespace tally::engine
