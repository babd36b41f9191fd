// Support for the snapshot tests: a random workload (writes, imports, erasures, saved segments,
// time passing) applied to several engines at once, a full state dump that includes segments
// and erasure marks, and helpers to open an engine from a snapshot on a log that continues it.
//
// Not thread safe; the engines it drives are.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "log/log.h"
#include "log/log_reader.h"
#include "tests/engine/engine_fixture.h"
#include "tests/engine/reference_model.h"
#include "tests/engine/segment_test_facts.h"
#include "tests/engine/state_dump.h"

namespace tally::engine {

// A whole file's bytes, and a file replaced by bytes (the tests that damage snapshot files).
inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void WriteFile(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline constexpr int kSnapshotTestEmails = 10;
inline const std::vector<std::string> kSnapshotTestNames = {"order", "refund", "page.view"};
inline const std::vector<std::string> kSnapshotTestSegments = {"s0", "s1", "s2", "s3"};

inline std::string SnapshotTestEmail(int i) {
  // Appending (rather than "u" + ...) avoids a GCC 12 -Wrestrict false positive.
  std::string email = "u";
  email += std::to_string(i);
  email += "@x.io";
  return email;
}

inline std::vector<std::string> SnapshotTestEmails() {
  std::vector<std::string> out;
  for (int i = 0; i < kSnapshotTestEmails; ++i) out.push_back(SnapshotTestEmail(i));
  return out;
}

// DumpState plus what it leaves out: saved segments (live and deleted) and their members,
// each contact's memberships, and the erasure marks.
inline std::string DumpAll(const Engine& engine, const std::string& ws = "ws") {
  std::ostringstream out;
  out << DumpState(engine, ws, SnapshotTestEmails(), kSnapshotTestNames);
  for (const std::string& id : kSnapshotTestSegments) {
    auto s = engine.GetSegment(ws, id);
    if (!s.ok()) continue;
    out << "segment " << s->id << ' ' << s->name << ' ' << s->color << ' ' << s->tree_json << ' '
        << s->timezone << ' ' << s->version << ' ' << s->status << ' ' << s->db_created_at << ' '
        << s->db_updated_at << ' ' << s->users_count << ':';
    auto members = engine.SegmentContacts(ws, id, 1000, 0);
    if (members.ok()) {
      for (const std::string& m : *members) out << ' ' << m;
    }
    out << '\n';
  }
  for (const Segment& s : engine.ListSegments(ws)) out << "live " << s.id << '\n';
  for (const std::string& email : SnapshotTestEmails()) {
    auto c = engine.GetContact(ws, email);
    if (!c.ok()) continue;
    for (const ContactSegment& s : c->segments) {
      out << email << " in " << s.segment_id << ' ' << s.version << ' ' << s.matched_at << ' '
          << s.computed_at << '\n';
    }
  }
  for (const ErasureMark& mark : engine.Erasures()) {
    out << "erasure " << mark.lsn << ' ' << mark.recorded_at << '\n';
  }
  return out.str();
}

// Random operations applied to every engine of a set, which must all answer alike.
class SnapshotWorkload {
 public:
  SnapshotWorkload(std::uint64_t seed, ManualClock& clock) : rng_(seed), clock_(clock) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  EventInput RandomInput() {
    EventInput in;
    in.email = SnapshotTestEmail(Pick(kSnapshotTestEmails));
    in.event_name = kSnapshotTestNames[Pick(3)];
    in.external_id = "k" + std::to_string(Pick(30));
    in.occurred_at = clock_.NowUs() - Pick(5 * 24) * 3600 * kSecondUs + Pick(60) * kSecondUs;
    in.properties_json = R"({"n":)" + std::to_string(Pick(3)) + "}";
    if (Pick(4) == 0) in.integration_id = "int" + std::to_string(Pick(2));
    const int type = Pick(4);
    if (type > 0) {
      in.goal_type = std::vector<std::string>{"purchase", "subscription", "lead"}[type - 1];
      if (type < 3 || Pick(2)) in.goal_value = (Pick(20'000) - 1'000) / 100.0;
      if (Pick(3) == 0) in.goal_name = "gold";
    }
    if (Pick(8) == 0) in.deleted_at = clock_.NowUs();
    return in;
  }

  std::string RandomTree(int depth) {
    if (depth == 0 || Pick(2) == 0) {
      const std::string timeframe =
          Pick(2) ? R"("timeframe_operator":"anytime")"
                  : R"("timeframe_operator":"in_the_last_days","timeframe_values":[")" +
                        std::to_string(1 + Pick(3)) + "\"]";
      if (Pick(4) == 0) {
        return TimelineLeafJson(R"("kind":"custom_event.order","count_operator":"at_least",)"
                                R"("count_value":)" +
                                std::to_string(Pick(3)) + "," + timeframe);
      }
      return GoalLeafJson(R"("goal_type":"*","aggregate_operator":"sum","operator":")" +
                          std::string(Pick(2) ? "gte" : "lte") + R"(","value":)" +
                          std::to_string(Pick(150) - 10) + "," + timeframe);
    }
    return BranchJson(Pick(2) ? "and" : "or", {RandomTree(depth - 1), RandomTree(depth - 1)});
  }

  // One random operation on every engine; the outcomes must agree. Without `definitions`, no
  // segment is created, updated or deleted (those wait for a running snapshot).
  void Step(const std::vector<Engine*>& engines, bool definitions = true) {
    const int kind = Pick(24);
    if (kind == 0 && !definitions) {
      clock_.Advance(Pick(600) * kSecondUs);
      for (Engine* e : engines) ASSERT_TRUE(e->ProcessSegmentBoundaries().ok());
    } else if (kind == 0) {
      SegmentInput input;
      input.id = kSnapshotTestSegments[Pick(4)];
      input.name = "name " + input.id;
      input.color = Pick(2) ? "#fff" : "";
      input.tree_json = RandomTree(2);
      const bool live = engines[0]->GetSegment("ws", input.id).ok() &&
                        engines[0]->GetSegment("ws", input.id)->status == "active";
      const bool remove = live && Pick(3) == 0;
      for (Engine* e : engines) {
        if (remove) {
          ASSERT_TRUE(e->DeleteSegment("ws", input.id).ok());
        } else {
          auto r = live ? e->UpdateSegment("ws", input) : e->CreateSegment("ws", input);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
        }
      }
    } else if (kind <= 3) {
      clock_.Advance(Pick(3) == 0 ? Pick(48) * 3600 * kSecondUs : Pick(600) * kSecondUs);
      for (Engine* e : engines) ASSERT_TRUE(e->ProcessSegmentBoundaries().ok());
    } else if (kind == 4) {
      const std::string email = SnapshotTestEmail(Pick(kSnapshotTestEmails));
      const bool expected = model_.Erase(email);
      for (Engine* e : engines) ASSERT_EQ(e->EraseContact("ws", email).ok(), expected);
    } else if (kind <= 7) {
      std::vector<EventInput> batch;
      for (int i = 0, n = 1 + Pick(5); i < n; ++i) batch.push_back(RandomInput());
      for (Engine* e : engines) ASSERT_TRUE(e->Import("ws", batch).status.ok());
      model_.Write(batch, true, clock_.NowUs());
    } else {
      const EventInput in = RandomInput();
      const bool applied = model_.Write({in}, false, clock_.NowUs());
      for (Engine* e : engines) {
        auto r = e->Upsert("ws", in);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->applied, applied);
      }
    }
    clock_.Advance(1 + Pick(5));
  }

  // The reference model's view of who has a contact must match the engine's.
  void CheckContacts(const Engine& engine) {
    for (const std::string& email : SnapshotTestEmails()) {
      EXPECT_EQ(engine.GetContact("ws", email).ok(), model_.contact_created_at(email).has_value())
          << email;
    }
  }

 private:
  std::mt19937_64 rng_;
  ManualClock& clock_;
  ReferenceModel model_;
};

// An engine replayed from a copy (in `dir`, kept open in `copy`) of `source`'s records up to
// `lsn`: the state a snapshot at `lsn` must hold.
inline std::unique_ptr<Engine> ReplayLogUpTo(log::Log& source, log::Lsn lsn,
                                             const std::filesystem::path& dir, const Clock& clock,
                                             std::unique_ptr<log::Log>& copy) {
  log::LogOptions options;
  options.dir = dir;
  options.sync = log::SyncPolicy::kNone;
  options.segment_bytes = 4ull << 20;
  auto opened = log::Log::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return nullptr;
  copy = std::move(opened).value();
  auto reader = source.Read(1);
  EXPECT_TRUE(reader.ok());
  for (;;) {
    auto view = reader->Next();
    EXPECT_TRUE(view.ok());
    if (!view.ok() || !*view || (*view)->lsn > lsn) break;
    EXPECT_TRUE(copy->Append((*view)->type, (*view)->payload).ok());
  }
  auto engine = Engine::Open({copy.get(), &clock, false});
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

// A log directory whose log starts right after `lsn`, as a restore makes one.
inline std::unique_ptr<log::Log> OpenLogAfter(const std::filesystem::path& dir, log::Lsn lsn) {
  log::LogOptions options;
  options.dir = dir;
  options.sync = log::SyncPolicy::kNone;
  options.segment_bytes = 1ull << 20;
  options.first_lsn = lsn + 1;
  auto log = log::Log::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

}  // namespace tally::engine
