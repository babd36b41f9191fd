#include "engine/running_snapshot.h"

#include "engine/snapshot_capture.h"
#include "schemas/log_record_generated.h"

namespace tally::engine {

void RunningSnapshot::Preserve(Workspace& ws, ContactEntry& contact) {
  capture_->PreserveIfPending(ws, contact);
}

void RunningSnapshot::PreserveUpsert(Workspace& ws, const StringInterner& interner,
                                     const schemas::EventUpsert& upsert) {
  const std::string_view name = upsert.event_name()->string_view();
  const std::string_view external_id = upsert.external_id()->string_view();
  // The email the stored event is attached to, which an update changes (and a move leaves).
  if (const std::string* interned = interner.Find(name)) {
    auto& events = ws.stripes[EventStripe(name, external_id)].events;
    if (const auto it = events.find(EventKeyView{interned, external_id}); it != events.end()) {
      Preserve(ws, *it->second.contact);
    }
  }
  // The record's email, which gets the event or a timeline entry. A contact entry the write
  // creates is born after the cut and is not preserved.
  const std::string_view email = upsert.email()->string_view();
  auto& contacts = ws.stripes[ContactStripe(email)].contacts;
  if (const auto it = contacts.find(email); it != contacts.end()) Preserve(ws, *it);
}

void RunningSnapshot::PreserveErased(Workspace& ws, std::string_view email) {
  auto& contacts = ws.stripes[ContactStripe(email)].contacts;
  const auto it = contacts.find(email);
  if (it == contacts.end()) return;
  Preserve(ws, *it);
  capture_->NoteErased(ws, *it);
}

}  // namespace tally::engine
