// The domain model: the plain values the engine takes in and hands out.
//
// These are value types with no behaviour beyond construction; they carry no locks and are
// safe to copy between threads. Times are TimeUs (microseconds since the epoch, UTC); money is
// an integer number of hundredths (D19). JSON never appears here except as raw text
// (properties_json, changes_json), which the engine stores and returns byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"

namespace tally::engine {

enum class GoalType : std::uint8_t {
  kNone = 0,  // no goal_type
  kPurchase,
  kSubscription,
  kLead,
  kSignup,
  kBooking,
  kTrial,
  kOther,
};
inline constexpr int kGoalTypeCount = 8;  // including kNone

// One element of customEvents.upsert or .import as it arrived, already decoded from JSON but
// not yet validated or normalized (the engine does both, D5/D6). Absent and JSON null are the
// same (std::nullopt) for every optional field.
struct EventInput {
  std::string email;
  std::string event_name;
  std::string external_id;
  std::string properties_json = "{}";  // raw text of a JSON object (net checks that it is one)
  std::uint32_t properties_depth = 1;  // nesting depth measured by the decoder (D8: ≤ 32)
  std::optional<TimeUs> occurred_at;   // absent: now
  std::optional<std::string> source;   // import only; upsert always stores "api"
  std::optional<std::string> integration_id;
  std::optional<std::string> goal_name;
  std::optional<std::string> goal_type;  // raw; validated against the seven names
  std::optional<double> goal_value;      // rounded half away from zero to cents (D19)
  std::optional<TimeUs> deleted_at;
  std::optional<TimeUs> created_at;  // import only; honoured when the event is inserted
};

// The stored state of one custom event (reference §2.1 in that key order).
struct Event {
  std::string external_id;
  std::string email;
  std::string event_name;
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

// One contact timeline entry (reference §4, D14).
struct TimelineEntry {
  std::string id;  // stable across restarts (derived from the record's LSN)
  std::string email;
  std::string operation;     // insert | update | delete | restore
  std::string entity_type;   // custom_event | contact | contact_segment
  std::string kind;          // custom_event.<event_name>, contact.created, segment.joined, ...
  std::string changes_json;  // JSON object text, or "null"
  std::optional<std::string> entity_id;
  TimeUs created_at = 0;     // the event's occurred_at for custom events
  TimeUs db_created_at = 0;  // when tally recorded it
};

struct TimelinePage {
  std::vector<TimelineEntry> entries;      // newest first
  std::optional<std::string> next_cursor;  // opaque; absent on the last page
};

// A contact's membership of a saved segment (reference §5.5).
struct ContactSegment {
  std::string segment_id;
  std::int64_t version = 0;
  TimeUs matched_at = 0;
  TimeUs computed_at = 0;
};

struct Contact {
  std::string email;
  TimeUs created_at = 0;
  TimeUs updated_at = 0;
  std::vector<ContactSegment> segments;
};

// A saved segment (reference §5.4, D18); the tree as the client sent it.
struct Segment {
  std::string id;
  std::string name;
  std::string color;
  std::string tree_json;
  std::string timezone;
  std::int64_t version = 0;
  std::string status;  // "active" | "deleted"
  TimeUs db_created_at = 0;
  TimeUs db_updated_at = 0;
  std::uint64_t users_count = 0;  // exact current members
};

// segments.preview: the number of matching contacts and a sample of their emails.
struct SegmentPreview {
  std::uint64_t total_count = 0;
  std::vector<std::string> emails;  // the `limit` smallest matching emails, ascending
};

enum class AggregateOp : std::uint8_t { kSum, kCount, kAvg, kMin, kMax };

// A half-open or closed interval of occurred_at; absent bounds are unbounded.
struct TimeRange {
  std::optional<TimeUs> after;  // occurred_at > after (or >= when after_inclusive)
  bool after_inclusive = false;
  std::optional<TimeUs> before;  // occurred_at < before (or <= when before_inclusive)
  bool before_inclusive = false;
};

// The value of sum/count/avg/min/max over a contact's live goal events. `matched` counts the
// events that fell in the filter; min/max/avg over no values have no value (D15).
struct AggregateValue {
  std::uint64_t matched = 0;
  std::optional<std::int64_t> cents;    // sum/min/max in hundredths; count as a plain number
  std::optional<double> average_cents;  // avg only
};

}  // namespace tally::engine
