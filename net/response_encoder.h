// Response bodies in Notifuse's exact wire shapes (reference §2.1, §4.3, §6), written straight
// into a string without building intermediate JSON values. Key order, omitempty rules, time and
// money formats and Go's HTML-safe escaping follow json.Encoder; every body ends with "\n".
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/model.h"

namespace tally::net {

// {"error":"<message>"}\n
std::string EncodeError(std::string_view message);

// Import validation failure (D12): {"error":"<first>","errors":[{"index":i,"error":"…"},…]}\n
std::string EncodeImportErrors(std::string_view first,
                               const std::vector<engine::ImportElementError>& errors);

// {"event":{…}}\n
std::string EncodeEventResponse(const engine::Event& event);

// {"events":[…],"count":n}\n (D11: [] when empty)
std::string EncodeEventListResponse(const std::vector<engine::Event>& events);

// {"event_ids":[…],"count":n}\n
std::string EncodeImportResponse(const std::vector<std::string>& event_ids);

// {"timeline":[…]|null,"next_cursor":"…"?}\n
std::string EncodeTimelineResponse(const engine::TimelinePage& page);

// {"contact":{email, created_at, updated_at, contact_segments:[…]}}\n
std::string EncodeContactResponse(const engine::Contact& contact);

// {"success":true}\n
std::string EncodeSuccess();

// Single-object encoders, exposed for tests and reuse.
void AppendEvent(std::string& out, const engine::Event& event);
void AppendTimelineEntry(std::string& out, const engine::TimelineEntry& entry);

std::string_view GoalTypeName(engine::GoalType type);

}  // namespace tally::net
