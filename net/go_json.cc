#include "net/go_json.h"

#include <cstdio>

#include "log/assert.h"

namespace tally::net {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string& out, unsigned code) {
  out += "\\u";
  out += kHexDigits[(code >> 12) & 0xF];
  out += kHexDigits[(code >> 8) & 0xF];
  out += kHexDigits[(code >> 4) & 0xF];
  out += kHexDigits[code & 0xF];
}

// U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8; Go escapes them because JavaScript
// treats them as line terminators.
bool IsLineSeparatorAt(std::string_view text, std::size_t i) {
  return i + 2 < text.size() && static_cast<unsigned char>(text[i]) == 0xE2 &&
         static_cast<unsigned char>(text[i + 1]) == 0x80 &&
         (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
          static_cast<unsigned char>(text[i + 2]) == 0xA9);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool plain = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' &&
                 !(c == 0xE2 && IsLineSeparatorAt(text, i));
    if (plain) {
      continue;
    }
    out.append(text.substr(run_start, i - run_start));
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case 0xE2:
        AppendUnicodeEscape(out, static_cast<unsigned char>(text[i + 2]) == 0xA8 ? 0x2028 : 0x2029);
        i += 2;
        break;
      default: AppendUnicodeEscape(out, c); break;
    }
    run_start = i + 1;
  }
  out.append(text.substr(run_start));
  out += '"';
}

std::string CompactJson(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (!in_string) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        continue;
      }
      in_string = c == '"';
      out += c;
      continue;
    }
    switch (c) {
      case '\\':
        // An escape is two bytes (or \uXXXX, whose tail is plain hex): copy both so an
        // escaped quote does not end the string.
        TALLY_ASSERT(i + 1 < json.size());
        out += c;
        out += json[++i];
        break;
      case '"':
        in_string = false;
        out += c;
        break;
      case '<': AppendUnicodeEscape(out, '<'); break;
      case '>': AppendUnicodeEscape(out, '>'); break;
      case '&': AppendUnicodeEscape(out, '&'); break;
      default:
        if (static_cast<unsigned char>(c) == 0xE2 && IsLineSeparatorAt(json, i)) {
          AppendUnicodeEscape(out,
                              static_cast<unsigned char>(json[i + 2]) == 0xA8 ? 0x2028 : 0x2029);
          i += 2;
        } else {
          out += c;
        }
    }
  }
  TALLY_ASSERT(!in_string);
  return out;
}

void AppendCents(std::string& out, std::int64_t cents) {
  // Go prints float64(cents)/100 in its shortest form; for whole hundredths below 1e13 that is
  // the decimal with trailing fractional zeros removed.
  std::uint64_t magnitude =
      cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%s%llu", cents < 0 ? "-" : "",
                        static_cast<unsigned long long>(magnitude / 100));
  out.append(buf, static_cast<std::size_t>(n));
  unsigned fraction = static_cast<unsigned>(magnitude % 100);
  if (fraction != 0) {
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) {
      out += static_cast<char>('0' + fraction % 10);
    }
  }
}

}  // namespace tally::net
