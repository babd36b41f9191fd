#include "engine/email.h"

#include <cstdint>
#include <string>

#include "engine/engine.h"

namespace tally::engine {
namespace {

// Go's unicode.IsSpace, which Notifuse's strings.TrimSpace uses: ASCII white space plus
// U+0085, U+00A0 and the Unicode space separators.
bool IsUnicodeSpace(std::uint32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Decodes the UTF-8 code point starting at s[i]; returns its length in bytes, or 0 when the
// bytes there are not a well-formed sequence (such bytes are never treated as space).
std::size_t DecodeAt(std::string_view s, std::size_t i, std::uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  std::uint32_t value = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  return len;
}

// Length of the well-formed code point that ends at s[end - 1], or 0.
std::size_t CodePointEndingAt(std::string_view s, std::size_t end, std::uint32_t* cp) {
  for (std::size_t len = 1; len <= 4 && len <= end; ++len) {
    const auto b = static_cast<unsigned char>(s[end - len]);
    if ((b & 0xC0) != 0x80) {
      return DecodeAt(s, end - len, cp) == len ? len : 0;
    }
  }
  return 0;
}

}  // namespace

void NormalizeEmailInto(std::string_view email, std::string& out) {
  std::size_t begin = 0;
  std::size_t end = email.size();
  std::uint32_t cp = 0;
  while (begin < end) {
    const std::size_t len = DecodeAt(email, begin, &cp);
    if (len == 0 || !IsUnicodeSpace(cp)) break;
    begin += len;
  }
  while (end > begin) {
    const std::size_t len = CodePointEndingAt(email, end, &cp);
    if (len == 0 || !IsUnicodeSpace(cp)) break;
    end -= len;
  }
  out.assign(email.substr(begin, end - begin));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

std::string NormalizeEmail(std::string_view email) {
  std::string out;
  NormalizeEmailInto(email, out);
  return out;
}

bool IsValidEmail(std::string_view email) {
  if (email.empty() || email.size() > kEmailBytesMax) return false;
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  const std::size_t at = email.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < email.size();
}

}  // namespace tally::engine
