// EmailKey: a contact's normalized email as the key of its entry in a stripe's contact table
// (engine/workspace.h). An email of up to kInlineBytes bytes — nearly every real one — is stored
// inside the key, so that a contact lookup compares the key in the entry's own cache line
// instead of following a pointer to a heap string, and storing a contact allocates nothing for
// its email; a longer one (up to kEmailBytesMax) is copied to the heap.
//
// Immutable once built; reading it from several threads is safe. Neither copyable nor movable:
// it lives in place in its table entry.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "engine/email.h"
#include "log/assert.h"

namespace tally::engine {

class EmailKey {
 public:
  static constexpr std::size_t kInlineBytes = 31;

  explicit EmailKey(std::string_view email) : size_(static_cast<std::uint8_t>(email.size())) {
    static_assert(kEmailBytesMax <= UINT8_MAX, "the size is one byte");
    TALLY_ASSERT(email.size() <= kEmailBytesMax);
    char* at = bytes_;
    if (email.size() > kInlineBytes) {
      at = new char[email.size()];
      std::memcpy(bytes_, &at, sizeof(at));
    }
    std::memcpy(at, email.data(), email.size());
  }
  ~EmailKey() {
    if (size_ > kInlineBytes) delete[] HeapBytes();
  }
  EmailKey(const EmailKey&) = delete;
  EmailKey& operator=(const EmailKey&) = delete;

  std::string_view view() const { return {size_ > kInlineBytes ? HeapBytes() : bytes_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like the string it is
  std::size_t size() const { return size_; }

  friend bool operator==(const EmailKey& a, std::string_view b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const EmailKey& a, std::string_view b) {
    return a.view() <=> b;
  }

 private:
  char* HeapBytes() const {
    char* at = nullptr;
    std::memcpy(&at, bytes_, sizeof(at));
    return at;
  }

  char bytes_[kInlineBytes];  // the email, or (longer than kInlineBytes) a pointer to it
  std::uint8_t size_;
};
static_assert(sizeof(EmailKey) == 32);

}  // namespace tally::engine
