// CompactText: an immutable piece of text in one heap block that holds its length and bytes,
// taking 8 bytes in its owner where std::string takes 32. A default CompactText is absent
// (null), which is how optional text such as integration_id is stored.
//
// A value type (move-only); no thread-safety concerns beyond those of its owner.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "log/assert.h"

namespace tally::engine {

class CompactText {
 public:
  CompactText() = default;  // absent
  explicit CompactText(std::string_view text)
      : block_(new char[sizeof(std::uint32_t) + text.size()]) {
    TALLY_ASSERT(text.size() <= UINT32_MAX);
    const auto size = static_cast<std::uint32_t>(text.size());
    std::memcpy(block_.get(), &size, sizeof(size));
    std::memcpy(block_.get() + sizeof(size), text.data(), text.size());
  }

  bool present() const { return block_ != nullptr; }
  // The text; empty when absent.
  std::string_view view() const {
    if (!block_) return {};
    std::uint32_t size = 0;
    std::memcpy(&size, block_.get(), sizeof(size));
    return {block_.get() + sizeof(size), size};
  }

 private:
  std::unique_ptr<char[]> block_;
};

}  // namespace tally::engine
