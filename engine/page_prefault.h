// PagePrefault: faults in the pages a growing buffer is about to be written, many pages per
// system call and ahead of the writes, instead of one page fault per page.
//
// On the VMs tally is measured on (Firecracker guests) a page fault on fresh anonymous memory
// costs ~12 µs (p99 ~60 µs), while madvise(MADV_POPULATE_WRITE) costs ~2 µs per call plus
// ~0.5 µs per page. A writer that preserves a contact for a running snapshot (engine/
// snapshot_capture.h) writes a few KB of fresh side-buffer memory, so without this it takes
// about one page fault per contact it preserves. Populating changes no byte of the buffer;
// where the kernel lacks MADV_POPULATE_WRITE (before Linux 5.14) the pages fault as before.
//
// Thread safety: none; one per buffer, used by whoever writes the buffer.
#pragma once

#include <cstddef>

namespace tally::engine {

class PagePrefault {
 public:
  // How far ahead of the written bytes the buffer is kept populated; a call populates again
  // only once fewer than half of these remain.
  static constexpr std::size_t kAheadBytes = 64u << 10;

  // `data` holds `used_bytes` written bytes of `capacity_bytes`: populates the pages of
  // [used_bytes, used_bytes + kAheadBytes) within the capacity that earlier calls for the same
  // `data` did not. A different `data` (the buffer moved or was replaced) starts afresh.
  void Ahead(const void* data, std::size_t used_bytes, std::size_t capacity_bytes);

 private:
  const char* data_ = nullptr;
  std::size_t populated_bytes_ = 0;
};

}  // namespace tally::engine
