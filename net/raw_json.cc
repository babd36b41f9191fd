#include "net/raw_json.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "log/assert.h"

namespace tally::net {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t SkipSpace(std::string_view json, std::size_t pos) {
  while (pos < json.size() && IsSpace(json[pos])) {
    ++pos;
  }
  return pos;
}

// `pos` is at an opening quote; returns the position just past the closing quote.
std::size_t SkipString(std::string_view json, std::size_t pos) {
  TALLY_ASSERT(json[pos] == '"');
  for (++pos; pos < json.size(); ++pos) {
    if (json[pos] == '\\') {
      ++pos;
    } else if (json[pos] == '"') {
      return pos + 1;
    }
  }
  TALLY_ASSERT_MSG(false, "unterminated string in accepted JSON");
}

// `pos` is at the start of a value; returns the position just past it.
std::size_t SkipValue(std::string_view json, std::size_t pos) {
  TALLY_ASSERT(pos < json.size());
  char c = json[pos];
  if (c == '"') {
    return SkipString(json, pos);
  }
  if (c != '{' && c != '[') {
    // A number or a literal: it ends at the first structural character or white space.
    while (pos < json.size() && !IsSpace(json[pos]) && json[pos] != ',' && json[pos] != '}' &&
           json[pos] != ']') {
      ++pos;
    }
    return pos;
  }
  int depth = 0;
  while (pos < json.size()) {
    char d = json[pos];
    if (d == '"') {
      pos = SkipString(json, pos);
      continue;
    }
    if (d == '{' || d == '[') {
      ++depth;
    } else if (d == '}' || d == ']') {
      --depth;
      if (depth == 0) {
        return pos + 1;
      }
    }
    ++pos;
  }
  TALLY_ASSERT_MSG(false, "unbalanced brackets in accepted JSON");
}

}  // namespace

std::string UnescapedKey(const RawMember& member) {
  if (member.key.find('\\') == std::string_view::npos) {
    return std::string(member.key);
  }
  // Rare: let Boost.JSON decode the escapes of this one token.
  std::string quoted;
  quoted.reserve(member.key.size() + 2);
  quoted.push_back('"');
  quoted.append(member.key);
  quoted.push_back('"');
  boost::json::value v = boost::json::parse(quoted);
  return std::string(v.as_string());
}

std::vector<RawMember> RawObjectMembers(std::string_view object) {
  TALLY_ASSERT(!object.empty() && object.front() == '{');
  std::vector<RawMember> members;
  std::size_t pos = SkipSpace(object, 1);
  while (pos < object.size() && object[pos] != '}') {
    std::size_t key_end = SkipString(object, pos);
    std::string_view key = object.substr(pos + 1, key_end - pos - 2);
    pos = SkipSpace(object, key_end);
    TALLY_ASSERT(object[pos] == ':');
    std::size_t value_begin = SkipSpace(object, pos + 1);
    std::size_t value_end = SkipValue(object, value_begin);
    members.push_back({key, object.substr(value_begin, value_end - value_begin)});
    pos = SkipSpace(object, value_end);
    if (pos < object.size() && object[pos] == ',') {
      pos = SkipSpace(object, pos + 1);
    }
  }
  return members;
}

std::vector<std::string_view> RawArrayElements(std::string_view array) {
  TALLY_ASSERT(!array.empty() && array.front() == '[');
  std::vector<std::string_view> elements;
  std::size_t pos = SkipSpace(array, 1);
  while (pos < array.size() && array[pos] != ']') {
    std::size_t end = SkipValue(array, pos);
    elements.push_back(array.substr(pos, end - pos));
    pos = SkipSpace(array, end);
    if (pos < array.size() && array[pos] == ',') {
      pos = SkipSpace(array, pos + 1);
    }
  }
  return elements;
}

std::string_view RawFirstValue(std::string_view json) {
  std::size_t begin = SkipSpace(json, 0);
  return json.substr(begin, SkipValue(json, begin) - begin);
}

}  // namespace tally::net
