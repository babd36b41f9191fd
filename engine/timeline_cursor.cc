#include "engine/timeline_cursor.h"

#include <algorithm>
#include <charconv>

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>

namespace tally::engine {
namespace {

namespace it = boost::archive::iterators;
using ToBase64 = it::base64_from_binary<it::transform_width<std::string::const_iterator, 6, 8>>;
using FromBase64 = it::transform_width<it::binary_from_base64<std::string::const_iterator>, 8, 6>;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

template <typename T>
bool ParseNumber(std::string_view text, T* value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::string EncodeTimelineCursor(const TimelineCursor& cursor) {
  const std::string plain = std::to_string(cursor.created_at) + "|" + std::to_string(cursor.id);
  std::string out(ToBase64(plain.begin()), ToBase64(plain.end()));
  out.append((3 - plain.size() % 3) % 3, '=');
  return out;
}

std::optional<TimelineCursor> DecodeTimelineCursor(std::string_view text) {
  // Boost's decoder throws on characters outside the alphabet, so check them first; padding
  // is only allowed at the end.
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  const std::string body(text.substr(0, text.size() - padding));
  if (body.find_first_not_of(kAlphabet) != std::string::npos) return std::nullopt;
  std::string plain(FromBase64(body.begin()), FromBase64(body.end()));
  // The decoder may emit one more byte from the leftover bits of the last character.
  plain.resize(std::min(plain.size(), body.size() * 3 / 4));
  const std::size_t bar = plain.find('|');
  if (bar == std::string::npos) return std::nullopt;
  TimelineCursor cursor;
  if (!ParseNumber(std::string_view(plain).substr(0, bar), &cursor.created_at) ||
      !ParseNumber(std::string_view(plain).substr(bar + 1), &cursor.id)) {
    return std::nullopt;
  }
  return cursor;
}

}  // namespace tally::engine
