// RunningSnapshot: the capture of the snapshot being written, if any (engine/snapshot_capture.h),
// as the engine's writers see it — the hooks they call before changing contacts, so that the
// snapshot keeps each contact as it was at its LSN.
//
// Thread safety: Start and Stop are called by WriteSnapshot while the write gate is closed;
// writers call the hooks from inside the gate, which orders them after Start and before Stop,
// so the pointer needs no atomic. Each hook costs one load when no snapshot runs.
#pragma once

#include <string_view>

#include "engine/string_interner.h"
#include "engine/workspace.h"

namespace tally::schemas {
struct EventUpsert;
}  // namespace tally::schemas

namespace tally::engine {

class SnapshotCapture;

class RunningSnapshot {
 public:
  void Start(SnapshotCapture* capture) { capture_ = capture; }
  void Stop() { capture_ = nullptr; }

  // Before applying an upsert (or one event of an import): the contact the stored event is
  // attached to, and the contact of the record's email. The caller holds their stripes and the
  // event's key stripe exclusively.
  void BeforeUpsert(Workspace& ws, const StringInterner& interner,
                    const schemas::EventUpsert& upsert) {
    if (capture_ != nullptr) PreserveUpsert(ws, interner, upsert);
  }
  // Before changing one contact; the caller holds its stripe exclusively.
  void BeforeChange(Workspace& ws, ContactEntry& contact) {
    if (capture_ != nullptr) Preserve(ws, contact);
  }
  // Before erasing the contact of `email` (if any); the caller holds every stripe exclusively.
  void BeforeErase(Workspace& ws, std::string_view email) {
    if (capture_ != nullptr) PreserveErased(ws, email);
  }

 private:
  void Preserve(Workspace& ws, ContactEntry& contact);
  void PreserveUpsert(Workspace& ws, const StringInterner& interner,
                      const schemas::EventUpsert& upsert);
  void PreserveErased(Workspace& ws, std::string_view email);

  SnapshotCapture* capture_ = nullptr;
};

}  // namespace tally::engine
