// CompactText: a handle to an immutable piece of text stored with its length in front, taking 8
// bytes in its owner where std::string takes 32. The bytes live in a TextArena
// (engine/text_arena.h), which creates every present CompactText and outlives it. A default
// CompactText is absent (null), which is how optional text such as integration_id is stored.
//
// A plain handle (copying it copies the reference, not the text); no thread-safety concerns
// beyond those of the arena's owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "log/assert.h"

namespace tally::engine {

class CompactText {
 public:
  CompactText() = default;  // absent

  // Bytes a text of `text_bytes` takes where it is stored: its 4-byte length, then the bytes.
  static constexpr std::size_t StoredBytes(std::size_t text_bytes) {
    return sizeof(std::uint32_t) + text_bytes;
  }

  // Writes `text` at `at`, which must have StoredBytes(text.size()) bytes, and returns the
  // handle to it (TextArena::Add).
  static CompactText WriteAt(char* at, std::string_view text) {
    TALLY_ASSERT(text.size() <= UINT32_MAX);
    const auto size = static_cast<std::uint32_t>(text.size());
    std::memcpy(at, &size, sizeof(size));
    std::memcpy(at + sizeof(size), text.data(), text.size());
    return CompactText(at);
  }

  bool present() const { return block_ != nullptr; }
  // The text; empty when absent.
  std::string_view view() const {
    if (block_ == nullptr) return {};
    std::uint32_t size = 0;
    std::memcpy(&size, block_, sizeof(size));
    return {block_ + sizeof(size), size};
  }

 private:
  explicit CompactText(const char* block) : block_(block) {}
  const char* block_ = nullptr;
};

}  // namespace tally::engine
