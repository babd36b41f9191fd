#include "engine/record_apply.h"

#include "engine/event_view.h"
#include "engine/goal_index.h"
#include "engine/timeline.h"
#include "log/assert.h"
#include "schemas/log_record_generated.h"

namespace tally::engine {
namespace {

std::string_view View(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : std::string_view(s->c_str(), s->size());
}

// A contact entry with the stripe it lives in, found once per apply so that the apply hashes
// the email once for its stripe instead of at every use.
struct PlacedContact {
  ContactEntry* entry;
  Stripe* stripe;
};

PlacedContact ContactFor(Workspace& ws, std::string_view email) {
  Stripe& stripe = ws.stripes[ContactStripe(email)];
  return {&*stripe.contacts.try_emplace(email).first, &stripe};
}

void Attach(EventEntry& entry, ContactEntry& contact) {
  auto& events = contact.second.events;
  entry.second.contact = &contact;
  entry.second.contact_pos = static_cast<std::uint32_t>(events.size());
  ReserveOneMore(events);
  events.push_back(&entry);
}

void Detach(EventEntry& entry) {
  auto& events = entry.second.contact->second.events;
  const std::uint32_t pos = entry.second.contact_pos;
  TALLY_ASSERT(pos < events.size() && events[pos] == &entry);
  events[pos] = events.back();
  events[pos]->second.contact_pos = pos;
  events.pop_back();
  entry.second.contact = nullptr;
}

// Adds a live event to the list and goal indexes; RemoveFromIndexes undoes it. `key_stripe`
// is the stripe of the event's key, `contact_stripe` the one of the contact it is attached to.
void AddToIndexes(Stripe& key_stripe, Stripe& contact_stripe, EventEntry& entry) {
  EventState& ev = entry.second;
  if (!ev.live()) return;
  key_stripe.by_name[entry.first.event_name].Insert(&entry);
  if (ev.goal_type != GoalType::kNone) AddGoalEvent(contact_stripe, *ev.contact, ev);
}

void RemoveFromIndexes(Stripe& key_stripe, Stripe& contact_stripe, EventEntry& entry) {
  EventState& ev = entry.second;
  if (!ev.live()) return;
  auto index = key_stripe.by_name.find(entry.first.event_name);
  TALLY_ASSERT(index != key_stripe.by_name.end());
  index->second.Erase(&entry);
  if (ev.goal_type != GoalType::kNone) RemoveGoalEvent(contact_stripe, *ev.contact, ev);
}

// D7: a live event's email always has a contact; it is created with the record's time.
void EnsureContact(PlacedContact placed, TimeUs recorded_at, log::Lsn lsn, unsigned position) {
  ContactEntry& contact = *placed.entry;
  if (contact.second.exists) return;
  contact.second.exists = true;
  contact.second.created_at = recorded_at;
  contact.second.updated_at = recorded_at;
  TimelineItem item;
  item.created_at = recorded_at;
  item.id = TimelineId(lsn, position, TimelineSlot::kContactCreated);
  item.db_created_at = recorded_at;
  AddTimelineItem(contact.second, std::move(item));
  placed.stripe->contacts_count.fetch_add(1, std::memory_order_relaxed);
  placed.stripe->timeline_count.fetch_add(1, std::memory_order_relaxed);
}

TimeUs DeletedAt(const schemas::EventUpsert& u) {
  return u.deleted_at_us() ? *u.deleted_at_us() : kNoTime;
}

// Fills a freshly emplaced entry from the record (D2 insert).
void InsertEvent(Workspace& ws, StringInterner& interner, const schemas::EventUpsert& u,
                 Stripe& key_stripe, EventEntry& entry, log::Lsn lsn, unsigned position) {
  const TimeUs recorded_at = u.recorded_at_us();
  EventState& ev = entry.second;
  ev.source = interner.Intern(View(u.source()));
  if (u.goal_name()) ev.goal_name = interner.Intern(View(u.goal_name()));
  ev.properties_json = key_stripe.texts.Add(View(u.properties_json()));
  if (u.integration_id()) ev.integration_id = key_stripe.texts.Add(View(u.integration_id()));
  ev.occurred_at = u.occurred_at_us();
  ev.deleted_at = DeletedAt(u);
  ev.created_at = u.created_at_us() ? *u.created_at_us() : recorded_at;
  ev.updated_at = recorded_at;
  if (u.goal_value_cents()) ev.goal_value_cents = *u.goal_value_cents();
  ev.seq = TimelineId(lsn, position, TimelineSlot::kEvent);
  ev.goal_type = static_cast<GoalType>(u.goal_type());
  ev.insert_entry_derived = true;
  const PlacedContact contact = ContactFor(ws, View(u.email()));
  Attach(entry, *contact.entry);
  AddToIndexes(key_stripe, *contact.stripe, entry);
  if (ev.live()) EnsureContact(contact, recorded_at, lsn, position);
  TimelineItem item;
  item.created_at = ev.occurred_at;
  item.id = ev.seq;
  item.db_created_at = recorded_at;
  item.content = &entry;
  AddTimelineItem(contact.entry->second, std::move(item));
  key_stripe.events_count.fetch_add(1, std::memory_order_relaxed);
  contact.stripe->timeline_count.fetch_add(1, std::memory_order_relaxed);
}

TimelineOperation OperationOf(const EventFields& before, const EventFields& after) {
  if (!before.deleted_at && after.deleted_at) return TimelineOperation::kDelete;
  if (before.deleted_at && !after.deleted_at) return TimelineOperation::kRestore;
  return TimelineOperation::kUpdate;
}

void AddFrozenItem(PlacedContact contact, const EventEntry& entry, const std::string& changes,
                   TimelineOperation op, std::uint64_t id, TimeUs recorded_at) {
  TimelineItem item;
  item.created_at = entry.second.occurred_at;
  item.id = id;
  item.db_created_at = recorded_at;
  item.content = std::make_unique<FrozenTimelineEntry>(FrozenTimelineEntry{
      entry.first.event_name, std::string(entry.first.external_id.view()), changes, op});
  AddTimelineItem(contact.entry->second, std::move(item));
  contact.stripe->timeline_count.fetch_add(1, std::memory_order_relaxed);
}

// A newer write (full = true) or a pure delete/restore (full = false) of a stored event.
void UpdateEvent(Workspace& ws, StringInterner& interner, const schemas::EventUpsert& u,
                 Stripe& key_stripe, EventEntry& entry, bool full, log::Lsn lsn,
                 unsigned position) {
  EventState& ev = entry.second;
  const TimeUs recorded_at = u.recorded_at_us();
  if (ev.insert_entry_derived) FreezeInsertEntry(entry);

  // The fields after the write: D2 for what a newer write replaces, D3 COALESCE for goals.
  const EventFields before = FieldsOf(entry);
  EventFields after = before;
  const std::string* goal_name = ev.goal_name;
  if (full) {
    after.email = View(u.email());
    after.properties_json = View(u.properties_json());
    after.occurred_at = u.occurred_at_us();
    if (u.goal_type() != schemas::GoalType::None)
      after.goal_type = static_cast<GoalType>(u.goal_type());
    if (u.goal_value_cents()) after.goal_value_cents = *u.goal_value_cents();
    if (u.goal_name()) {
      goal_name = interner.Intern(View(u.goal_name()));
      after.goal_name = *goal_name;
    }
  }
  after.deleted_at = u.deleted_at_us() ? std::optional<TimeUs>(*u.deleted_at_us()) : std::nullopt;
  const std::string changes = UpdateChangesJson(before, after);
  const TimelineOperation op = OperationOf(before, after);

  const PlacedContact old_contact{ev.contact, &StripeOf(ws, *ev.contact)};
  PlacedContact contact = old_contact;
  RemoveFromIndexes(key_stripe, *old_contact.stripe, entry);
  const bool moved = after.email != before.email;
  if (full) {
    // `after` views the record, not the event, for every field changed here.
    // Unchanged text is kept, so re-sending an event does not grow the arena.
    if (after.properties_json != before.properties_json) {
      key_stripe.texts.Drop(ev.properties_json);
      ev.properties_json = key_stripe.texts.Add(after.properties_json);
    }
    ev.occurred_at = after.occurred_at;
    ev.source = interner.Intern(View(u.source()));
    const bool same_integration = u.integration_id() != nullptr && ev.integration_id.present() &&
                                  View(u.integration_id()) == ev.integration_id.view();
    if (!same_integration) {
      key_stripe.texts.Drop(ev.integration_id);
      ev.integration_id =
          u.integration_id() ? key_stripe.texts.Add(View(u.integration_id())) : CompactText();
    }
    ev.goal_type = after.goal_type;
    ev.goal_value_cents = after.goal_value_cents.value_or(kNoCents);
    ev.goal_name = goal_name;
    if (moved) {
      Detach(entry);
      contact = ContactFor(ws, View(u.email()));
      Attach(entry, *contact.entry);
    }
  }
  ev.deleted_at = DeletedAt(u);
  ev.updated_at = recorded_at;
  TALLY_ASSERT(contact.entry == ev.contact);
  AddToIndexes(key_stripe, *contact.stripe, entry);
  if (ev.live()) EnsureContact(contact, recorded_at, lsn, position);
  AddFrozenItem(contact, entry, changes, op, TimelineId(lsn, position, TimelineSlot::kEvent),
                recorded_at);
  // The contact the event left keeps a record of where it went (D4).
  if (moved) {
    AddFrozenItem(old_contact, entry, changes, op,
                  TimelineId(lsn, position, TimelineSlot::kMovedAway), recorded_at);
  }
}

// The apply of one upsert to its entry, `inserted` when the entry was just emplaced (empty).
AppliedUpsert ApplyAt(Workspace& ws, StringInterner& interner, const schemas::EventUpsert& u,
                      Stripe& key_stripe, EventEntry& entry, bool inserted, log::Lsn lsn,
                      unsigned position) {
  AppliedUpsert out;
  if (!inserted) out.attached_before = entry.second.contact;
  switch (DecideWrite(inserted ? nullptr : &entry.second, u.occurred_at_us(), DeletedAt(u))) {
    case WriteKind::kInsert: InsertEvent(ws, interner, u, key_stripe, entry, lsn, position); break;
    case WriteKind::kNewer:
      UpdateEvent(ws, interner, u, key_stripe, entry, true, lsn, position);
      break;
    case WriteKind::kDeleteRestore:
      UpdateEvent(ws, interner, u, key_stripe, entry, false, lsn, position);
      break;
    case WriteKind::kNoop: return out;
  }
  out.event = &entry;
  return out;
}

}  // namespace

WriteKind DecideWrite(const EventState* stored, TimeUs occurred_at, TimeUs deleted_at) {
  if (stored == nullptr) return WriteKind::kInsert;
  if (occurred_at > stored->occurred_at) return WriteKind::kNewer;
  if (deleted_at != stored->deleted_at) return WriteKind::kDeleteRestore;
  return WriteKind::kNoop;
}

EventKeyLookup FindEventKey(Workspace& ws, StringInterner& interner, unsigned key_stripe,
                            std::string_view event_name, std::string_view external_id) {
  TALLY_ASSERT(key_stripe < kStripeCount);
  EventKeyLookup key;
  key.name = interner.Intern(event_name);
  key.key_stripe = key_stripe;
  auto& events = ws.stripes[key.key_stripe].events;
  const auto it = events.find(EventKeyView{key.name, external_id});
  if (it != events.end()) key.entry = &*it;
  return key;
}

AppliedUpsert ApplyEventUpsert(Workspace& ws, StringInterner& interner,
                               const schemas::EventUpsert& u, log::Lsn lsn, unsigned position) {
  const std::string_view event_name = View(u.event_name());
  const std::string_view external_id = View(u.external_id());
  const std::string* name = interner.Intern(event_name);
  Stripe& key_stripe = ws.stripes[EventStripe(event_name, external_id)];
  // One lookup for both cases: an insert fills the new entry, anything else finds the old one.
  auto [it, inserted] = key_stripe.events.try_emplace(EventKeyView{name, external_id});
  return ApplyAt(ws, interner, u, key_stripe, *it, inserted, lsn, position);
}

AppliedUpsert ApplyEventUpsert(Workspace& ws, StringInterner& interner,
                               const schemas::EventUpsert& u, log::Lsn lsn, unsigned position,
                               const EventKeyLookup& key) {
  TALLY_ASSERT(key.name != nullptr && *key.name == View(u.event_name()));
  TALLY_ASSERT(key.key_stripe < kStripeCount);
  Stripe& key_stripe = ws.stripes[key.key_stripe];
  if (key.entry != nullptr) {
    TALLY_ASSERT(key.entry->first.event_name == key.name);
    return ApplyAt(ws, interner, u, key_stripe, *key.entry, false, lsn, position);
  }
  auto [it, inserted] =
      key_stripe.events.try_emplace(EventKeyView{key.name, View(u.external_id())});
  TALLY_ASSERT_MSG(inserted, "an event key found absent was stored before its apply");
  return ApplyAt(ws, interner, u, key_stripe, *it, true, lsn, position);
}

bool ApplyContactErasure(Workspace& ws, std::string_view email) {
  auto& contacts = ws.stripes[ContactStripe(email)].contacts;
  const auto it = contacts.find(email);
  if (it == contacts.end()) return false;
  ContactState& contact = it->second;
  for (EventEntry* entry : contact.events) {
    Stripe& stripe = ws.stripes[EventStripe(*entry->first.event_name, entry->first.external_id)];
    if (entry->second.live()) {
      stripe.by_name.at(entry->first.event_name).Erase(entry);
    }
    const auto event_it =
        stripe.events.find(EventKeyView{entry->first.event_name, entry->first.external_id});
    TALLY_ASSERT(event_it != stripe.events.end() && &*event_it == entry);
    stripe.texts.Erase(entry->second.properties_json);
    stripe.texts.Erase(entry->second.integration_id);
    stripe.events.erase(event_it);
    stripe.events_count.fetch_sub(1, std::memory_order_relaxed);
  }
  Stripe& contact_stripe = ws.stripes[ContactStripe(email)];
  contact_stripe.timeline_count.fetch_sub(contact.timeline.size(), std::memory_order_relaxed);
  if (contact.exists) contact_stripe.contacts_count.fetch_sub(1, std::memory_order_relaxed);
  RemoveContactGoalRows(contact_stripe, contact);
  contacts.erase(it);
  return true;
}

}  // namespace tally::engine
