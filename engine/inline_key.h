// InlineKey<kBytes>: an immutable string of up to kTextBytesMax bytes used as a table key
// (engine/workspace.h), kBytes bytes in all. A text of up to kInlineBytes (kBytes - 1) is stored
// inside the key, so that a lookup compares the key in its entry's own cache line instead of
// following a pointer to a heap string and storing it allocates nothing; a longer one is
// copied to the heap. EmailKey holds a contact's normalized email (31 bytes inline: nearly every
// real email), ExternalIdKey an event's external_id (23 bytes inline).
//
// Immutable once built; reading it from several threads is safe. Movable (a moved-from key is
// empty), not copyable.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "log/assert.h"

namespace tally::engine {

template <std::size_t kBytes>
class InlineKey {
 public:
  static constexpr std::size_t kInlineBytes = kBytes - 1;
  // Emails (kEmailBytesMax) and external ids (kExternalIdBytesMax) are at most 255 bytes.
  static constexpr std::size_t kTextBytesMax = UINT8_MAX;

  explicit InlineKey(std::string_view text) : size_(static_cast<std::uint8_t>(text.size())) {
    TALLY_ASSERT(text.size() <= kTextBytesMax);
    char* at = bytes_;
    if (text.size() > kInlineBytes) {
      at = new char[text.size()];
      std::memcpy(bytes_, &at, sizeof(at));
    }
    std::memcpy(at, text.data(), text.size());
  }
  // Any string type, so that `EventKey{name, some_std_string}` reads as it would with a string.
  template <typename Text>
  requires(std::convertible_to<const Text&, std::string_view> && !std::same_as<Text, InlineKey>)
      InlineKey(const Text& text)  // NOLINT: as a string
      : InlineKey(std::string_view(text)) {}
  InlineKey(InlineKey&& other) noexcept : size_(other.size_) {
    std::memcpy(bytes_, other.bytes_, sizeof(bytes_));
    other.size_ = 0;  // a heap copy now belongs to this key
  }
  InlineKey& operator=(InlineKey&&) = delete;
  InlineKey(const InlineKey&) = delete;
  InlineKey& operator=(const InlineKey&) = delete;
  ~InlineKey() {
    if (size_ > kInlineBytes) delete[] HeapBytes();
  }

  std::string_view view() const { return {size_ > kInlineBytes ? HeapBytes() : bytes_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like the string it is
  const char* data() const { return view().data(); }
  std::size_t size() const { return size_; }

  // Two keys compare through the conversion of the second one to its view.
  friend bool operator==(const InlineKey& a, std::string_view b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const InlineKey& a, std::string_view b) {
    return a.view() <=> b;
  }

 private:
  char* HeapBytes() const {
    char* at = nullptr;
    std::memcpy(&at, bytes_, sizeof(at));
    return at;
  }

  char bytes_[kInlineBytes];  // the text, or (longer than kInlineBytes) a pointer to it
  std::uint8_t size_;
};

using EmailKey = InlineKey<32>;
using ExternalIdKey = InlineKey<24>;
static_assert(sizeof(EmailKey) == 32 && sizeof(ExternalIdKey) == 24);

}  // namespace tally::engine
