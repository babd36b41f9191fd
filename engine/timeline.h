// Contact timelines (D14): adding entries in (created_at, id) order, freezing derived insert
// entries, and rendering entries and pages for timeline.list.
//
// Entry ids are `record LSN << 8 | slot`, where slot = 4 * (position of the event in its
// record) + {0: contact.created, 1: the event's entry, 2: the entry left on the contact an
// event moved away from}. They are printed as UUID-shaped hex, so string order is id order.
// Thread safety: none; the caller holds the contact's stripe (exclusively to change it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model.h"
#include "engine/workspace.h"
#include "log/log.h"

namespace tally::engine {

enum class TimelineSlot : std::uint8_t { kContactCreated = 0, kEvent = 1, kMovedAway = 2 };
inline constexpr unsigned kTimelineSlotsPerEvent = 4;

std::uint64_t TimelineId(log::Lsn lsn, unsigned position, TimelineSlot slot);
std::string FormatTimelineId(std::uint64_t id);

// Inserts `item` at its place in ascending (created_at, id) order: O(1) when it is the newest,
// otherwise a binary search and a shift of the newer entries.
void AddTimelineItem(ContactState& contact, TimelineItem item);

// Turns the event's insert entry, still rendered from the event, into a frozen copy; call it
// before the event's first later change. The caller holds the event's key and contact stripes.
void FreezeInsertEntry(EventEntry& entry);

TimelineEntry RenderTimelineEntry(std::string_view email, const TimelineItem& item);

}  // namespace tally::engine
