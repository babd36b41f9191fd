#include "net/request_decoder.h"

#include <array>
#include <cmath>
#include <optional>
#include <utility>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include "net/go_json.h"
#include "net/raw_json.h"
#include "net/rfc3339.h"

namespace tally::net {
namespace {

using boost::json::object;
using boost::json::value;

// First arena block on the stack: most bodies (one event) parse without touching the heap.
constexpr std::size_t kArenaStackBytes = 4096;
// The parser's own stack (the values of the containers still open) starts on the stack too; a
// 50-event import needs about 1 KiB of it.
constexpr std::size_t kParserStackBytes = 2048;

Status Invalid() {
  return Status::InvalidArgument(kInvalidRequestBody);
}

bool KeyIs(std::string_view key, std::string_view field) {
  if (key.size() != field.size()) {
    return false;
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != field[i]) {
      return false;
    }
  }
  return true;
}

// A raw member's key matches `field` (escaped keys are decoded first).
bool RawKeyIs(const RawMember& member, std::string_view field) {
  if (member.key.find('\\') == std::string_view::npos) {
    return KeyIs(member.key, field);
  }
  return KeyIs(UnescapedKey(member), field);
}

// Go's float64 cannot hold them and tally refuses to store them (D8).
bool AllNumbersFinite(const value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const value& e : v.get_array()) {
        if (!AllNumbersFinite(e)) {
          return false;
        }
      }
      return true;
    case boost::json::kind::object:
      for (const auto& m : v.get_object()) {
        if (!AllNumbersFinite(m.value())) {
          return false;
        }
      }
      return true;
    default: return true;
  }
}

std::uint32_t NestingDepth(const value& v) {
  std::uint32_t deepest = 0;
  if (v.is_array()) {
    for (const value& e : v.get_array()) {
      deepest = std::max(deepest, NestingDepth(e));
    }
    return deepest + 1;
  }
  if (v.is_object()) {
    for (const auto& m : v.get_object()) {
      deepest = std::max(deepest, NestingDepth(m.value()));
    }
    return deepest + 1;
  }
  return 0;
}

// Parses the first JSON value of `body` into `arena` (the value must not outlive it); trailing
// bytes are ignored as Go's Decoder ignores them.
Result<value> ParseFirstValue(std::string_view body, boost::json::monotonic_resource& arena) {
  boost::json::parse_options options;
  options.max_depth = kBodyNestingMax;
  std::array<unsigned char, kParserStackBytes> parser_stack;
  // The constructor's resource is only the parser's temporary storage (beyond parser_stack);
  // reset() names where the value's arrays, objects and strings go.
  boost::json::parser parser(boost::json::storage_ptr(), options, parser_stack.data(),
                             parser_stack.size());
  parser.reset(boost::json::storage_ptr(&arena));
  boost::json::error_code ec;
  parser.write_some(body.data(), body.size(), ec);
  if (ec) {
    return Invalid();
  }
  value v = parser.release();
  if (!AllNumbersFinite(v)) {
    return Invalid();
  }
  return v;
}

Status ReadString(const value& v, std::string& out) {
  if (v.is_null()) {
    return Status::Ok();
  }
  if (!v.is_string()) {
    return Invalid();
  }
  out.assign(v.get_string().data(), v.get_string().size());
  return Status::Ok();
}

Status ReadOptionalString(const value& v, std::optional<std::string>& out) {
  if (v.is_null()) {
    out.reset();
    return Status::Ok();
  }
  if (!v.is_string()) {
    return Invalid();
  }
  out.emplace(v.get_string().data(), v.get_string().size());
  return Status::Ok();
}

Status ReadOptionalNumber(const value& v, std::optional<double>& out) {
  if (v.is_null()) {
    out.reset();
    return Status::Ok();
  }
  if (!v.is_number()) {
    return Invalid();
  }
  out = v.to_number<double>();
  return Status::Ok();
}

Status ReadOptionalTime(const value& v, std::optional<engine::TimeUs>& out) {
  if (v.is_null()) {
    out.reset();
    return Status::Ok();
  }
  if (!v.is_string()) {
    return Invalid();
  }
  Result<engine::TimeUs> t = ParseRfc3339(std::string_view(v.get_string()));
  if (!t.ok()) {
    return Invalid();
  }
  out = *t;
  return Status::Ok();
}

// `raw_object` is the text of the object `o`, for slicing out the properties.
Status ReadProperties(const value& v, std::string_view raw_object, engine::EventInput& event) {
  if (v.is_null()) {
    event.properties_json = "{}";
    event.properties_depth = 1;
    return Status::Ok();
  }
  if (!v.is_object()) {
    return Invalid();
  }
  std::string_view raw;
  for (const RawMember& m : RawObjectMembers(raw_object)) {
    if (RawKeyIs(m, "properties")) {
      raw = m.value;  // the last match wins, as for every field
    }
  }
  TALLY_ASSERT(!raw.empty() && raw.front() == '{');
  event.properties_json = CompactJson(raw);
  event.properties_depth = NestingDepth(v);
  return Status::Ok();
}

// Decodes one event object; `import_element` adds the fields only a whole CustomEvent has.
Status ReadEvent(const object& o, std::string_view raw_object, bool import_element,
                 engine::EventInput& event) {
  for (const auto& m : o) {
    std::string_view key(m.key().data(), m.key().size());
    const value& v = m.value();
    Status s;
    if (KeyIs(key, "email")) {
      s = ReadString(v, event.email);
    } else if (KeyIs(key, "event_name")) {
      s = ReadString(v, event.event_name);
    } else if (KeyIs(key, "external_id")) {
      s = ReadString(v, event.external_id);
    } else if (KeyIs(key, "properties")) {
      s = ReadProperties(v, raw_object, event);
    } else if (KeyIs(key, "occurred_at")) {
      s = ReadOptionalTime(v, event.occurred_at);
    } else if (KeyIs(key, "integration_id")) {
      s = ReadOptionalString(v, event.integration_id);
    } else if (KeyIs(key, "goal_name")) {
      s = ReadOptionalString(v, event.goal_name);
    } else if (KeyIs(key, "goal_type")) {
      s = ReadOptionalString(v, event.goal_type);
    } else if (KeyIs(key, "goal_value")) {
      s = ReadOptionalNumber(v, event.goal_value);
    } else if (KeyIs(key, "deleted_at")) {
      s = ReadOptionalTime(v, event.deleted_at);
    } else if (import_element && KeyIs(key, "source")) {
      s = ReadOptionalString(v, event.source);
    } else if (import_element && KeyIs(key, "created_at")) {
      s = ReadOptionalTime(v, event.created_at);
    } else if (import_element && KeyIs(key, "updated_at")) {
      // Decoded (so a malformed time is refused as Go refuses it) but not used: tally sets
      // updated_at to the time of the write.
      std::optional<engine::TimeUs> ignored;
      s = ReadOptionalTime(v, ignored);
    }
    TALLY_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

// The top-level value must be an object (or null, which Go decodes as "nothing set").
Result<const object*> TopObject(const value& v) {
  static const object kEmpty;
  if (v.is_null()) {
    return &kEmpty;
  }
  if (!v.is_object()) {
    return Invalid();
  }
  return &v.get_object();
}

}  // namespace

Result<UpsertBody> DecodeUpsertBody(std::string_view body) {
  std::array<unsigned char, kArenaStackBytes> stack;
  boost::json::monotonic_resource arena(stack.data(), stack.size());
  TALLY_ASSIGN_OR_RETURN(value v, ParseFirstValue(body, arena));
  TALLY_ASSIGN_OR_RETURN(const object* o, TopObject(v));
  UpsertBody out;
  for (const auto& m : *o) {
    if (KeyIs(std::string_view(m.key().data(), m.key().size()), "workspace_id")) {
      TALLY_RETURN_IF_ERROR(ReadString(m.value(), out.workspace_id));
    }
  }
  TALLY_RETURN_IF_ERROR(ReadEvent(*o, RawFirstValue(body), /*import_element=*/false, out.event));
  return out;
}

Result<ImportBody> DecodeImportBody(std::string_view body) {
  std::array<unsigned char, kArenaStackBytes> stack;
  boost::json::monotonic_resource arena(stack.data(), stack.size());
  TALLY_ASSIGN_OR_RETURN(value v, ParseFirstValue(body, arena));
  TALLY_ASSIGN_OR_RETURN(const object* o, TopObject(v));
  ImportBody out;
  const value* events = nullptr;
  for (const auto& m : *o) {
    std::string_view key(m.key().data(), m.key().size());
    if (KeyIs(key, "workspace_id")) {
      TALLY_RETURN_IF_ERROR(ReadString(m.value(), out.workspace_id));
    } else if (KeyIs(key, "events")) {
      events = &m.value();
    }
  }
  if (events == nullptr || events->is_null()) {
    return out;
  }
  if (!events->is_array()) {
    return Invalid();
  }
  std::string_view raw_events;
  for (const RawMember& m : RawObjectMembers(RawFirstValue(body))) {
    if (RawKeyIs(m, "events")) {
      raw_events = m.value;
    }
  }
  std::vector<std::string_view> raw_elements = RawArrayElements(raw_events);
  const boost::json::array& elements = events->get_array();
  TALLY_ASSERT(raw_elements.size() == elements.size());
  out.events.resize(elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].is_null()) {
      out.null_indexes.push_back(i);
      continue;
    }
    if (!elements[i].is_object()) {
      return Invalid();
    }
    TALLY_RETURN_IF_ERROR(ReadEvent(elements[i].get_object(), raw_elements[i],
                                    /*import_element=*/true, out.events[i]));
  }
  return out;
}

Result<ContactBody> DecodeContactBody(std::string_view body) {
  std::array<unsigned char, kArenaStackBytes> stack;
  boost::json::monotonic_resource arena(stack.data(), stack.size());
  TALLY_ASSIGN_OR_RETURN(value v, ParseFirstValue(body, arena));
  TALLY_ASSIGN_OR_RETURN(const object* o, TopObject(v));
  ContactBody out;
  for (const auto& m : *o) {
    std::string_view key(m.key().data(), m.key().size());
    if (KeyIs(key, "workspace_id")) {
      TALLY_RETURN_IF_ERROR(ReadString(m.value(), out.workspace_id));
    } else if (KeyIs(key, "email")) {
      TALLY_RETURN_IF_ERROR(ReadString(m.value(), out.email));
    }
  }
  return out;
}

}  // namespace tally::net
