// Engine: the read paths (get, list, timeline, contact, aggregate, stats). Every read takes
// the stripes it needs shared, so reads run alongside each other and alongside writes to
// other stripes.
#include <algorithm>
#include <mutex>
#include <queue>

#include "engine/engine.h"
#include "engine/engine_impl.h"
#include "engine/event_view.h"
#include "engine/goal_index.h"
#include "engine/segment_registry.h"
#include "engine/timeline.h"
#include "engine/timeline_cursor.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

constexpr std::size_t kListLimitDefault = 50;
constexpr std::size_t kListLimitMax = 100;
constexpr std::size_t kTimelineLimitDefault = 50;
constexpr std::size_t kTimelineLimitMax = 100;

// customEvents.list order (D11): occurred_at DESC, event_name, external_id.
bool ListBefore(const EventEntry* a, const EventEntry* b) {
  if (a->second.occurred_at != b->second.occurred_at) {
    return a->second.occurred_at > b->second.occurred_at;
  }
  if (a->first.event_name != b->first.event_name) {
    return *a->first.event_name < *b->first.event_name;
  }
  return a->first.external_id < b->first.external_id;
}

std::vector<Event> ListByEmail(const Workspace& ws, const std::string& email,
                               const std::string* name, bool name_given, std::size_t offset,
                               std::size_t limit) {
  std::vector<Event> out;
  if (name_given && name == nullptr) return out;
  std::shared_lock lock(ws.stripes[ContactStripe(email)].mu);
  const auto& contacts = ws.stripes[ContactStripe(email)].contacts;
  const auto it = contacts.find(email);
  if (it == contacts.end()) return out;
  std::vector<const EventEntry*> matches;
  for (const EventEntry* entry : it->second.events) {
    if (entry->second.live() && (!name_given || entry->first.event_name == name)) {
      matches.push_back(entry);
    }
  }
  if (offset >= matches.size()) return out;
  const std::size_t end = std::min(matches.size(), offset + limit);
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(end),
                    matches.end(), ListBefore);
  for (std::size_t i = offset; i < end; ++i) out.push_back(ToEvent(*matches[i]));
  return out;
}

// Merges the per-stripe name indexes, each already in list order, and skips `offset`.
std::vector<Event> ListByName(const Workspace& ws, const std::string* name, std::size_t offset,
                              std::size_t limit) {
  std::vector<Event> out;
  if (name == nullptr) return out;
  StripeLocks locks(ws, kAllStripes, /*exclusive=*/false);
  // The heap's top is the cursor whose event comes first in list order: the newest, then the
  // smallest external_id.
  const auto later = [](const NameIndex::Cursor& a, const NameIndex::Cursor& b) {
    if (a.occurred_at() != b.occurred_at()) return a.occurred_at() < b.occurred_at();
    return a.entry()->first.external_id > b.entry()->first.external_id;
  };
  std::priority_queue<NameIndex::Cursor, std::vector<NameIndex::Cursor>, decltype(later)> heads(
      later);
  for (const Stripe& stripe : ws.stripes) {
    const auto it = stripe.by_name.find(name);
    if (it != stripe.by_name.end() && !it->second.empty()) heads.emplace(it->second);
  }
  for (std::size_t rank = 0; !heads.empty() && out.size() < limit; ++rank) {
    NameIndex::Cursor head = heads.top();
    heads.pop();
    if (rank >= offset) out.push_back(ToEvent(*head.entry()));
    head.Next();
    if (!head.done()) heads.push(head);
  }
  return out;
}

}  // namespace

Result<Event> Engine::Get(std::string_view workspace_id, std::string_view event_name,
                          std::string_view external_id) const {
  const Status not_found = Status::NotFound("Custom event not found");
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  const std::string* name = impl_->interner.Find(event_name);
  if (ws == nullptr || name == nullptr) return not_found;
  const Stripe& stripe = ws->stripes[EventStripe(event_name, external_id)];
  std::shared_lock lock(stripe.mu);
  const auto it = stripe.events.find(EventKeyView{name, external_id});
  if (it == stripe.events.end() || !it->second.live()) return not_found;
  return ToEvent(*it);
}

Result<std::vector<Event>> Engine::List(const ListQuery& query) const {
  const bool email_given = query.email && !query.email->empty();
  const bool name_given = query.event_name && !query.event_name->empty();
  if (!email_given && !name_given) {
    return Status::InvalidArgument(
        "validation error: invalid request: either email or event_name is required");
  }
  const std::size_t limit =
      query.limit == 0 ? kListLimitDefault : std::min(query.limit, kListLimitMax);
  const Workspace* ws = impl_->FindWorkspace(query.workspace_id);
  if (ws == nullptr) return std::vector<Event>();
  const std::string* name = name_given ? impl_->interner.Find(*query.event_name) : nullptr;
  if (email_given) {
    return ListByEmail(*ws, NormalizeEmail(*query.email), name, name_given, query.offset, limit);
  }
  return ListByName(*ws, name, query.offset, limit);
}

Result<TimelinePage> Engine::Timeline(std::string_view workspace_id, std::string_view email,
                                      std::size_t limit, std::string_view cursor) const {
  if (limit > kTimelineLimitMax) return Status::InvalidArgument("limit cannot exceed 100");
  if (limit == 0) limit = kTimelineLimitDefault;
  std::optional<TimelineCursor> after;
  if (!cursor.empty()) {
    after = DecodeTimelineCursor(cursor);
    if (!after) return Status::InvalidArgument("invalid cursor");
  }
  TimelinePage page;
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  if (ws == nullptr) return page;
  const std::string normalized = NormalizeEmail(email);
  const Stripe& stripe = ws->stripes[ContactStripe(normalized)];
  std::shared_lock lock(stripe.mu);
  const auto it = stripe.contacts.find(normalized);
  if (it == stripe.contacts.end()) return page;
  const auto& items = it->second.timeline;
  // Entries strictly older than the cursor, newest first.
  auto end = items.end();
  if (after) {
    end = std::lower_bound(
        items.begin(), items.end(), *after, [](const TimelineItem& item, const TimelineCursor& c) {
          return item.created_at != c.created_at ? item.created_at < c.created_at : item.id < c.id;
        });
  }
  auto pos = end;
  while (pos != items.begin() && page.entries.size() < limit) {
    --pos;
    page.entries.push_back(RenderTimelineEntry(normalized, *pos));
  }
  if (pos != items.begin()) {
    page.next_cursor = EncodeTimelineCursor({pos->created_at, pos->id});
  }
  return page;
}

Result<Contact> Engine::GetContact(std::string_view workspace_id, std::string_view email) const {
  const Status not_found = Status::NotFound("Contact not found");
  const Workspace* ws = impl_->FindWorkspace(workspace_id);
  if (ws == nullptr) return not_found;
  const std::string normalized = NormalizeEmail(email);
  const Stripe& stripe = ws->stripes[ContactStripe(normalized)];
  std::shared_lock lock(stripe.mu);
  const auto it = stripe.contacts.find(normalized);
  if (it == stripe.contacts.end() || !it->second.exists) return not_found;
  Contact contact;
  contact.email = normalized;
  contact.created_at = it->second.created_at;
  contact.updated_at = it->second.updated_at;
  // The stripe's lock guards the members of this stripe in every segment.
  const unsigned stripe_index = ContactStripe(normalized);
  for (const auto& segment : *ws->segments->Live()) {
    const auto member = segment->members[stripe_index].find(normalized);
    if (member == segment->members[stripe_index].end()) continue;
    contact.segments.push_back({segment->definition.id, member->second.version,
                                member->second.matched_at, member->second.computed_at});
  }
  return contact;
}

Result<AggregateValue> Engine::Aggregate(const AggregateQuery& query) const {
  static const GoalSeries kEmptySeries;
  const Workspace* ws = impl_->FindWorkspace(query.workspace_id);
  if (ws == nullptr) return kEmptySeries.Aggregate(query.op, query.range);
  const std::string* goal_name = nullptr;
  if (query.goal_name) {
    goal_name = impl_->interner.Find(*query.goal_name);
    if (goal_name == nullptr) return kEmptySeries.Aggregate(query.op, query.range);
  }
  const std::string normalized = NormalizeEmail(query.email);
  const Stripe& stripe = ws->stripes[ContactStripe(normalized)];
  std::shared_lock lock(stripe.mu);
  const auto it = stripe.contacts.find(normalized);
  const GoalSeries* series = it == stripe.contacts.end()
                                 ? nullptr
                                 : FindGoalSeries(it->second, query.goal_type, goal_name);
  return (series != nullptr ? *series : kEmptySeries).Aggregate(query.op, query.range);
}

Engine::Stats Engine::GetStats() const {
  Stats stats;
  std::shared_lock lock(impl_->workspaces_mu);
  for (const auto& [id, ws] : impl_->workspaces) {
    ++stats.workspaces;
    for (const Stripe& stripe : ws->stripes) {
      stats.contacts += stripe.contacts_count.load(std::memory_order_relaxed);
      stats.events += stripe.events_count.load(std::memory_order_relaxed);
      stats.timeline_entries += stripe.timeline_count.load(std::memory_order_relaxed);
    }
  }
  stats.applied_lsn = impl_->applied_lsn.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace tally::engine
