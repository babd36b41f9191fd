// Seeded randomized test: thousands of writes (upserts, re-upserts, stale writes, deletes,
// restores, email moves, erasures, mixed goal types, refunds, imports) against ReferenceModel,
// comparing every aggregate over random timeframes, every list page and every timeline, live
// and again after replaying the log. TALLY_ENGINE_MODEL_SEED=<n> replays one seed.
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/goal_type.h"
#include "engine/timeline.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/random_seed.h"
#include "tests/engine/reference_model.h"

namespace tally::engine {
namespace {

constexpr int kOperations = 10000;
constexpr int kCheckEvery = 1000;
constexpr int kEmails = 12;
constexpr int kKeysPerName = 25;
const char* const kNames[] = {"order.completed", "page.view", "trial/started"};
const char* const kGoalTypes[] = {"purchase", "subscription", "lead", "signup",
                                  "booking",  "trial",        "other"};
const char* const kGoalNames[] = {"plan_a", "plan_b"};

class EngineModelTest : public EngineFixture {
 protected:
  std::string Email(int i) {
    std::string email = "user";
    email += std::to_string(i);
    email += "@x.io";
    return email;
  }

  EventInput RandomInput(bool allow_goal_changes) {
    EventInput in;
    in.email = Email(Pick(kEmails));
    in.event_name = kNames[Pick(3)];
    std::string id = "k";
    id += std::to_string(Pick(kKeysPerName));
    in.external_id = id;
    // A small time space makes equal and older occurred_at values common.
    in.occurred_at = base_ + Pick(40) * kSecondUs;
    std::string props = R"({"n":)";
    props += std::to_string(Pick(3));
    props += Pick(2) ? R"(,"tag":"x"})" : "}";
    in.properties_json = props;
    if (Pick(4) == 0) in.integration_id = "int";
    if (allow_goal_changes && Pick(3) != 0) {
      in.goal_type = kGoalTypes[Pick(7)];
      // Purchases 5..500 with a share of refunds; other types sometimes without a value.
      if (*in.goal_type == "purchase" || *in.goal_type == "subscription" || Pick(2)) {
        const double value = 5 + Pick(49'500) / 100.0;
        in.goal_value = Pick(10) == 0 ? -value : value;
      }
      if (Pick(2)) in.goal_name = kGoalNames[Pick(2)];
    }
    if (Pick(8) == 0) in.deleted_at = base_ + Pick(3) * kSecondUs;
    return in;
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  void Step() {
    const int kind = Pick(20);
    clock_.Advance(1 + Pick(3));
    if (kind == 0) {
      const std::string email = Email(Pick(kEmails));
      const bool expected = model_.Erase(email);
      const Status st = engine_->EraseContact("ws", email);
      ASSERT_EQ(st.ok(), expected) << st.ToString();
      return;
    }
    if (kind <= 3) {
      std::vector<EventInput> batch;
      const int n = 1 + Pick(8);
      for (int i = 0; i < n; ++i) {
        batch.push_back(RandomInput(true));
        if (Pick(3) == 0) batch.back().source = "shopify";
        if (Pick(3) == 0) batch.back().created_at = base_ - Pick(100);
      }
      const ImportOutcome out = engine_->Import("ws", batch);
      ASSERT_TRUE(out.status.ok()) << out.status.ToString();
      model_.Write(batch, true, clock_.NowUs());
      return;
    }
    const EventInput in = RandomInput(Pick(4) != 0);
    auto r = engine_->Upsert("ws", in);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const bool applied = model_.Write({in}, false, clock_.NowUs());
    ASSERT_EQ(r->applied, applied);
    CheckEvent(r->event, model_.events().at({in.event_name, in.external_id}));
  }

  void CheckEvent(const Event& got, const ModelEvent& want) {
    EXPECT_EQ(got.email, want.email);
    EXPECT_EQ(got.properties_json, want.properties_json);
    EXPECT_EQ(got.occurred_at, want.occurred_at);
    EXPECT_EQ(got.source, want.source);
    EXPECT_EQ(got.integration_id, want.integration_id);
    EXPECT_EQ(got.goal_name, want.goal_name);
    EXPECT_EQ(got.goal_type, want.goal_type);
    EXPECT_EQ(got.goal_value_cents, want.goal_value_cents);
    EXPECT_EQ(got.deleted_at, want.deleted_at);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
  }

  void CheckList(std::optional<std::string> email, std::optional<std::string> name) {
    const auto want = model_.List(email, name);
    const std::size_t limit = 1 + Pick(9);
    for (std::size_t offset = 0; offset <= want.size(); offset += limit) {
      ListQuery q{"ws", email, name, limit, offset};
      auto got = engine_->List(q);
      ASSERT_TRUE(got.ok());
      const std::size_t expected = std::min(limit, want.size() - offset);
      ASSERT_EQ(got->size(), expected) << "offset " << offset;
      for (std::size_t i = 0; i < expected; ++i) {
        const auto& [key, ev] = want[offset + i];
        EXPECT_EQ((*got)[i].event_name, key.first);
        EXPECT_EQ((*got)[i].external_id, key.second);
        CheckEvent((*got)[i], ev);
      }
    }
  }

  void CheckTimeline(const std::string& email) {
    const auto want = model_.Timeline(email);
    const auto got = AllTimeline(email);
    ASSERT_EQ(got.size(), want.size()) << email;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].id, FormatTimelineId(want[i].id));
      EXPECT_EQ(got[i].kind, want[i].kind);
      EXPECT_EQ(got[i].operation, want[i].operation);
      EXPECT_EQ(got[i].entity_id, want[i].entity_id);
      EXPECT_EQ(got[i].created_at, want[i].created_at);
      EXPECT_EQ(got[i].db_created_at, want[i].db_created_at);
      EXPECT_EQ(got[i].changes_json.find("\"email\":{") != std::string::npos,
                want[i].email_changed);
    }
  }

  TimeRange RandomRange() {
    TimeRange r;
    if (Pick(3)) r.after = base_ + (Pick(44) - 2) * kSecondUs;
    if (Pick(3)) r.before = base_ + (Pick(44) - 2) * kSecondUs;
    r.after_inclusive = Pick(2);
    r.before_inclusive = Pick(2);
    return r;
  }

  void CheckAll() {
    for (const auto& [key, ev] : model_.events()) {
      auto got = engine_->Get("ws", key.first, key.second);
      ASSERT_EQ(got.ok(), !ev.deleted_at);
      if (got.ok()) CheckEvent(*got, ev);
    }
    for (const char* name : kNames) CheckList(std::nullopt, std::string(name));
    for (int e = 0; e < kEmails; ++e) {
      const std::string email = Email(e);
      SCOPED_TRACE(email);
      auto contact = engine_->GetContact("ws", email);
      const auto created = model_.contact_created_at(email);
      ASSERT_EQ(contact.ok(), created.has_value());
      if (created) {
        EXPECT_EQ(contact->created_at, *created);
      }
      CheckList(email, std::nullopt);
      CheckList(email, std::string(kNames[Pick(3)]));
      CheckTimeline(email);
      for (int type = -1; type < 8; ++type) {
        std::optional<GoalType> goal_type;
        if (type >= 0) goal_type.emplace(static_cast<GoalType>(type));
        for (const AggregateOp op : {AggregateOp::kSum, AggregateOp::kCount, AggregateOp::kAvg,
                                     AggregateOp::kMin, AggregateOp::kMax}) {
          const TimeRange range = RandomRange();
          const std::optional<std::string> goal_name =
              Pick(3) == 0 ? std::optional<std::string>(kGoalNames[Pick(2)]) : std::nullopt;
          const AggregateValue want = model_.Aggregate(email, goal_type, goal_name, op, range);
          const AggregateValue got = Agg(email, goal_type, op, range, goal_name);
          EXPECT_EQ(got.matched, want.matched);
          EXPECT_EQ(got.cents, want.cents);
          ASSERT_EQ(got.average_cents.has_value(), want.average_cents.has_value());
          if (want.average_cents) {
            EXPECT_DOUBLE_EQ(*got.average_cents, *want.average_cents);
          }
        }
      }
    }
    EXPECT_EQ(engine_->GetStats().events, model_.events().size());
  }

  std::mt19937_64 rng_;
  TimeUs base_ = kFixtureNowUs - kDayUs;
  ReferenceModel model_;
};

TEST_F(EngineModelTest, RandomWritesMatchTheReferenceModelLiveAndAfterReplay) {
  const RandomSeed random_seed("TALLY_ENGINE_MODEL_SEED");
  SCOPED_TRACE(random_seed.replay_hint());
  const std::uint64_t seed = random_seed.value();
  rng_.seed(seed);
  for (int op = 1; op <= kOperations; ++op) {
    ASSERT_NO_FATAL_FAILURE(Step()) << "operation " << op;
    if (op % kCheckEvery == 0) {
      ASSERT_NO_FATAL_FAILURE(CheckAll()) << "after operation " << op;
      if (HasFailure()) return;
    }
  }
  Reopen();
  ASSERT_NO_FATAL_FAILURE(CheckAll()) << "after replay";
}

}  // namespace
}  // namespace tally::engine
