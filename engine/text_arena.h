// TextArena: the bytes of one stripe's event texts (properties, integration ids), appended to
// large blocks, so that storing a text costs neither an allocation of its own nor the
// allocator's per-block overhead. A text never moves while it is stored.
//
// A text that is replaced (an update's new properties) or erased stays in its block as garbage,
// counted in garbage_bytes(); the space comes back when the state is rebuilt from a snapshot,
// whose loader writes only live texts into fresh arenas. Erased texts are overwritten with
// zeros at once, so an erased contact's properties do not stay readable in memory (D13).
//
// A shared block's pages are populated when it is allocated, in one system call
// (engine/page_prefault.h), instead of faulting one by one as texts fill it: a page fault on
// fresh memory costs ~12 µs on the VMs we run on.
//
// Thread safety: none; the engine guards a stripe's arena with the stripe's lock (the key
// stripe of the events whose texts it holds), exclusively for Add and Erase.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/compact_text.h"
#include "engine/page_prefault.h"
#include "log/assert.h"

namespace tally::engine {

class TextArena {
 public:
  // Texts up to this many bytes share blocks; a longer one gets a block of its own, so that a
  // large property object does not waste the rest of a shared block.
  static constexpr std::size_t kBlockBytes = 64 * 1024;
  static constexpr std::size_t kSharedTextBytesMax = kBlockBytes / 8;

  TextArena() = default;
  TextArena(const TextArena&) = delete;
  TextArena& operator=(const TextArena&) = delete;

  // Stores a copy of `text`; the result stays valid until this arena is destroyed.
  CompactText Add(std::string_view text) {
    const std::size_t bytes = CompactText::StoredBytes(text.size());
    char* at = nullptr;
    if (bytes > kSharedTextBytesMax) {
      at = blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(bytes)).get();
    } else {
      if (bytes > left_) {
        next_ = blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(kBlockBytes)).get();
        left_ = kBlockBytes;
        static_assert(kBlockBytes <= PagePrefault::kAheadBytes, "one call populates a block");
        prefault_.Ahead(next_, 0, kBlockBytes);
      }
      at = next_;
      next_ += bytes;
      left_ -= bytes;
    }
    stored_bytes_ += bytes;
    return CompactText::WriteAt(at, text);
  }

  // Counts a text that is no longer referenced as garbage (an update replaced it).
  void Drop(CompactText text) {
    if (!text.present()) return;
    garbage_bytes_ += CompactText::StoredBytes(text.view().size());
    TALLY_ASSERT(garbage_bytes_ <= stored_bytes_);
  }

  // Drops a text and overwrites its bytes with zeros (D13 erasure).
  void Erase(CompactText text) {
    if (!text.present()) return;
    const std::string_view view = text.view();
    std::memset(const_cast<char*>(view.data()), 0, view.size());
    Drop(text);
  }

  std::size_t stored_bytes() const { return stored_bytes_; }
  std::size_t garbage_bytes() const { return garbage_bytes_; }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;  // free space in the last shared block
  std::size_t left_ = 0;
  std::size_t stored_bytes_ = 0;
  std::size_t garbage_bytes_ = 0;
  PagePrefault prefault_;  // of the last shared block
};

}  // namespace tally::engine
