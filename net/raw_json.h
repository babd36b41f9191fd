// RawJson: walks the text of a JSON document that Boost.JSON has already accepted, to find
// where a member's value starts and ends in the original bytes.
//
// Boost.JSON's DOM keeps values but not their text; properties must keep their exact text
// (D19: numbers are never re-rounded), so the decoder slices them out of the request body with
// these functions. They assume valid JSON (violations are TALLY_ASSERTs, not Status) and
// allocate only the returned vectors. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tally::net {

struct RawMember {
  std::string_view key;    // the key's text between its quotes, escapes not decoded
  std::string_view value;  // the member's value text, no surrounding white space
};

// The key of `member` with its escapes decoded (allocates only when it has escapes).
std::string UnescapedKey(const RawMember& member);

// The members of the object whose text is `object` (starting with '{'), in document order,
// duplicates included.
std::vector<RawMember> RawObjectMembers(std::string_view object);

// The elements of the array whose text is `array` (starting with '['), in document order.
std::vector<std::string_view> RawArrayElements(std::string_view array);

// The first JSON value of `json` with leading white space skipped and anything after it dropped.
std::string_view RawFirstValue(std::string_view json);

}  // namespace tally::net
