// ReferenceModel: a deliberately simple model of the engine's write rules (D2–D4, D7, D13,
// D14) for the randomized test: plain maps, linear scans, no indexes, one workspace.
//
// It takes already valid inputs with lower-case emails (normalization and validation have their
// own tests) and mirrors only what the contract fixes: which writes apply, the stored fields,
// aggregates, list order, and each timeline's entries (kind, operation, entity, times, order).
// Not thread safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/model.h"
#include "engine/money.h"

namespace tally::engine {

struct ModelEvent {
  std::string email;
  std::string properties_json;
  TimeUs occurred_at = 0;
  std::string source;
  std::optional<std::string> integration_id;
  std::optional<std::string> goal_name;
  GoalType goal_type = GoalType::kNone;
  std::optional<std::int64_t> goal_value_cents;
  std::optional<TimeUs> deleted_at;
  TimeUs created_at = 0;
  TimeUs updated_at = 0;
};

struct ModelEntry {
  TimeUs created_at = 0;
  std::uint64_t id = 0;  // (lsn << 8) | (4 * position + slot), the documented id scheme
  TimeUs db_created_at = 0;
  std::string kind;
  std::string operation;
  std::optional<std::string> entity_id;
  bool email_changed = false;
};

class ReferenceModel {
 public:
  using Key = std::pair<std::string, std::string>;  // event_name, external_id

  // Applies one upsert or import (inputs in order) recorded at `now`; returns whether anything
  // applied (and therefore the log got a record).
  bool Write(const std::vector<EventInput>& inputs, bool is_import, TimeUs now) {
    const std::uint64_t lsn = lsn_ + 1;
    bool any = false;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      any = Apply(inputs[i], is_import, now, lsn, static_cast<unsigned>(i)) || any;
    }
    if (any) lsn_ = lsn;
    return any;
  }

  // contacts.delete; false (kNotFound) when nothing is stored under the email.
  bool Erase(const std::string& email) {
    if (timelines_[email].empty()) return false;
    ++lsn_;
    contacts_.erase(email);
    timelines_.erase(email);
    std::erase_if(events_, [&](const auto& kv) { return kv.second.email == email; });
    return true;
  }

  const std::map<Key, ModelEvent>& events() const { return events_; }
  std::optional<TimeUs> contact_created_at(const std::string& email) const {
    const auto it = contacts_.find(email);
    return it == contacts_.end() ? std::nullopt : std::optional<TimeUs>(it->second);
  }

  // Newest first: created_at DESC, id DESC.
  std::vector<ModelEntry> Timeline(const std::string& email) const {
    const auto it = timelines_.find(email);
    std::vector<ModelEntry> out = it == timelines_.end() ? std::vector<ModelEntry>{} : it->second;
    std::sort(out.begin(), out.end(), [](const ModelEntry& a, const ModelEntry& b) {
      return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
    });
    return out;
  }

  // Live events of `email` (if set) and `name` (if set) in D11 order.
  std::vector<std::pair<Key, ModelEvent>> List(const std::optional<std::string>& email,
                                               const std::optional<std::string>& name) const {
    std::vector<std::pair<Key, ModelEvent>> out;
    for (const auto& [key, ev] : events_) {
      if (ev.deleted_at || (email && ev.email != *email) || (name && key.first != *name)) continue;
      out.emplace_back(key, ev);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      if (a.second.occurred_at != b.second.occurred_at) {
        return a.second.occurred_at > b.second.occurred_at;
      }
      return a.first < b.first;
    });
    return out;
  }

  AggregateValue Aggregate(const std::string& email, std::optional<GoalType> type,
                           const std::optional<std::string>& goal_name, AggregateOp op,
                           const TimeRange& range) const {
    AggregateValue out;
    std::vector<std::int64_t> values;
    for (const auto& [key, ev] : events_) {
      if (ev.email != email || ev.deleted_at || ev.goal_type == GoalType::kNone) continue;
      if (type && ev.goal_type != *type) continue;
      if (goal_name && ev.goal_name != goal_name) continue;
      if (range.after && (range.after_inclusive ? ev.occurred_at < *range.after
                                                : ev.occurred_at <= *range.after)) {
        continue;
      }
      if (range.before && (range.before_inclusive ? ev.occurred_at > *range.before
                                                  : ev.occurred_at >= *range.before)) {
        continue;
      }
      ++out.matched;
      if (ev.goal_value_cents) values.push_back(*ev.goal_value_cents);
    }
    std::int64_t sum = 0;
    for (std::int64_t v : values) sum += v;
    switch (op) {
      case AggregateOp::kCount: out.cents = static_cast<std::int64_t>(out.matched); break;
      case AggregateOp::kSum: out.cents = sum; break;
      case AggregateOp::kAvg:
        if (!values.empty()) out.average_cents = static_cast<double>(sum) / values.size();
        break;
      case AggregateOp::kMin:
        if (!values.empty()) out.cents = *std::min_element(values.begin(), values.end());
        break;
      case AggregateOp::kMax:
        if (!values.empty()) out.cents = *std::max_element(values.begin(), values.end());
        break;
    }
    return out;
  }

 private:
  static std::uint64_t Id(std::uint64_t lsn, unsigned position, unsigned slot) {
    return lsn << 8 | (4 * position + slot);
  }

  void EnsureContact(const std::string& email, TimeUs now, std::uint64_t lsn, unsigned pos) {
    if (contacts_.count(email)) return;
    contacts_[email] = now;
    timelines_[email].push_back(
        {now, Id(lsn, pos, 0), now, "contact.created", "insert", std::nullopt, false});
  }

  bool Apply(const EventInput& in, bool is_import, TimeUs now, std::uint64_t lsn, unsigned pos) {
    const Key key{in.event_name, in.external_id};
    const auto it = events_.find(key);
    // A plain value and flag: GCC 12 misreads std::optional<enum> as maybe uninitialized.
    const bool has_type = in.goal_type.has_value();
    const GoalType type = has_type ? GoalTypeOf(*in.goal_type) : GoalType::kNone;
    const std::optional<std::int64_t> cents =
        in.goal_value ? std::optional<std::int64_t>(RoundToCents(*in.goal_value)) : std::nullopt;
    const std::string kind = "custom_event." + in.event_name;
    if (it == events_.end()) {
      ModelEvent ev;
      ev.email = in.email;
      ev.properties_json = in.properties_json;
      ev.occurred_at = *in.occurred_at;
      ev.source = is_import && in.source && !in.source->empty() ? *in.source : "api";
      ev.integration_id = in.integration_id;
      ev.goal_name = in.goal_name;
      ev.goal_type = type;
      ev.goal_value_cents = cents;
      ev.deleted_at = in.deleted_at;
      ev.created_at = is_import && in.created_at ? *in.created_at : now;
      ev.updated_at = now;
      events_[key] = ev;
      if (!ev.deleted_at) EnsureContact(ev.email, now, lsn, pos);
      timelines_[ev.email].push_back(
          {ev.occurred_at, Id(lsn, pos, 1), now, kind, "insert", in.external_id, false});
      return true;
    }
    ModelEvent& ev = it->second;
    const bool newer = *in.occurred_at > ev.occurred_at;
    if (!newer && in.deleted_at == ev.deleted_at) return false;
    const std::optional<TimeUs> old_deleted = ev.deleted_at;
    const std::string old_email = ev.email;
    if (newer) {
      ev.email = in.email;
      ev.properties_json = in.properties_json;
      ev.occurred_at = *in.occurred_at;
      ev.source = is_import && in.source && !in.source->empty() ? *in.source : "api";
      ev.integration_id = in.integration_id;
      if (in.goal_name) ev.goal_name = in.goal_name;
      if (has_type) ev.goal_type = type;
      if (cents) ev.goal_value_cents = cents;
    }
    ev.deleted_at = in.deleted_at;
    ev.updated_at = now;
    const std::string op = !old_deleted && ev.deleted_at   ? "delete"
                           : old_deleted && !ev.deleted_at ? "restore"
                                                           : "update";
    if (!ev.deleted_at) EnsureContact(ev.email, now, lsn, pos);
    const bool moved = old_email != ev.email;
    timelines_[ev.email].push_back(
        {ev.occurred_at, Id(lsn, pos, 1), now, kind, op, in.external_id, moved});
    if (moved) {
      timelines_[old_email].push_back(
          {ev.occurred_at, Id(lsn, pos, 2), now, kind, op, in.external_id, true});
    }
    return true;
  }

  static GoalType GoalTypeOf(const std::string& name) {
    static const std::map<std::string, GoalType> kTypes = {
        {"purchase", GoalType::kPurchase}, {"subscription", GoalType::kSubscription},
        {"lead", GoalType::kLead},         {"signup", GoalType::kSignup},
        {"booking", GoalType::kBooking},   {"trial", GoalType::kTrial},
        {"other", GoalType::kOther}};
    return kTypes.at(name);
  }

  std::uint64_t lsn_ = 0;
  std::map<Key, ModelEvent> events_;
  std::map<std::string, TimeUs> contacts_;
  std::map<std::string, std::vector<ModelEntry>> timelines_;
};

}  // namespace tally::engine
