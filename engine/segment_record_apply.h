// Segment record application: SegmentDefine, SegmentDelete and SegmentTransition records turned
// into state, live and on replay alike (docs/segments.md, "Always-current membership").
//
// Thread safety: the caller holds every stripe of the workspace exclusively for a define or a
// delete, and the contact's stripe for a transition; replay runs before the engine is shared.
#pragma once

#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "log/log.h"
#include "log/status.h"

namespace tally::schemas {
struct SegmentDefine;
struct SegmentDelete;
struct SegmentTransition;
}  // namespace tally::schemas

namespace tally::engine {

// Creates the segment (version 1) or, when a live one has its id, replaces its definition
// (version + 1), then evaluates every contact for it at the record's time: joined / left
// entries for the changes, the members' version for the others, and earlier boundaries where
// the new tree has one. kCorruption when the tree does not parse (the log is not one this
// engine wrote, or the time zone left the tz database) or no ordinal is free.
Status ApplySegmentDefine(Workspace& ws, const StringInterner& interner,
                          const schemas::SegmentDefine& record, log::Lsn lsn);

// Marks the segment deleted; every member leaves (a segment.left entry each). A record for a
// segment that is not live changes nothing.
void ApplySegmentDelete(Workspace& ws, const schemas::SegmentDelete& record, log::Lsn lsn);

// Applies the logged membership changes of one contact (at the record's boundary instant),
// then computes the contact's next boundary at that instant. kCorruption when the contact or a
// segment is unknown or a change does not fit the current membership.
Status ApplySegmentTransition(Workspace& ws, const StringInterner& interner,
                              const schemas::SegmentTransition& record, log::Lsn lsn);

}  // namespace tally::engine
