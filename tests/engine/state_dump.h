// DumpState: a text rendering of everything a client can read for the given emails and event
// names (events, contacts, timelines, aggregates, stats), so two engines can be compared with
// one EXPECT_EQ. Thread safe as far as the Engine is.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace tally::engine {

inline void DumpEvent(std::ostringstream& out, const Event& e) {
  out << e.event_name << '/' << e.external_id << ' ' << e.email << ' ' << e.properties_json << ' '
      << e.occurred_at << ' ' << e.source << ' ' << e.integration_id.value_or("-") << ' '
      << e.goal_name.value_or("-") << ' ' << static_cast<int>(e.goal_type) << ' '
      << (e.goal_value_cents ? std::to_string(*e.goal_value_cents) : "-") << ' '
      << (e.deleted_at ? std::to_string(*e.deleted_at) : "-") << ' ' << e.created_at << ' '
      << e.updated_at << '\n';
}

inline std::string DumpState(const Engine& engine, const std::string& ws,
                             const std::vector<std::string>& emails,
                             const std::vector<std::string>& names) {
  std::ostringstream out;
  for (const std::string& name : names) {
    for (std::size_t offset = 0;; offset += 100) {
      auto page = engine.List({ws, std::nullopt, name, 100, offset});
      if (!page.ok() || page->empty()) break;
      for (const Event& e : *page) DumpEvent(out, e);
    }
  }
  for (const std::string& email : emails) {
    out << "contact " << email;
    if (auto c = engine.GetContact(ws, email); c.ok()) out << ' ' << c->created_at;
    out << '\n';
    std::string cursor;
    for (;;) {
      auto page = engine.Timeline(ws, email, 100, cursor);
      if (!page.ok()) break;
      for (const TimelineEntry& t : page->entries) {
        out << t.id << ' ' << t.kind << ' ' << t.operation << ' ' << t.entity_id.value_or("-")
            << ' ' << t.created_at << ' ' << t.db_created_at << ' ' << t.changes_json << '\n';
      }
      if (!page->next_cursor) break;
      cursor = *page->next_cursor;
    }
    for (int type = -1; type < kGoalTypeCount; ++type) {
      AggregateQuery q;
      q.workspace_id = ws;
      q.email = email;
      if (type >= 0) q.goal_type.emplace(static_cast<GoalType>(type));
      for (AggregateOp op : {AggregateOp::kSum, AggregateOp::kCount, AggregateOp::kAvg,
                             AggregateOp::kMin, AggregateOp::kMax}) {
        q.op = op;
        auto v = engine.Aggregate(q);
        if (!v.ok()) continue;
        out << v->matched << ':' << (v->cents ? std::to_string(*v->cents) : "-") << ':'
            << (v->average_cents ? std::to_string(*v->average_cents) : "-") << ' ';
      }
    }
    out << '\n';
  }
  const Engine::Stats stats = engine.GetStats();
  out << "stats " << stats.workspaces << ' ' << stats.contacts << ' ' << stats.events << ' '
      << stats.timeline_entries << ' ' << stats.applied_lsn << '\n';
  return out.str();
}

}  // namespace tally::engine
