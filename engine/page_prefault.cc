#include "engine/page_prefault.h"

#include <algorithm>
#include <cstdint>

#include <sys/mman.h>
#include <unistd.h>

#include "log/assert.h"

namespace tally::engine {
namespace {

// The Linux value, for C libraries whose headers predate it.
#ifdef MADV_POPULATE_WRITE
constexpr int kPopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kPopulateWrite = 23;
#endif

std::uintptr_t PageBytes() {
  static const auto bytes = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

}  // namespace

void PagePrefault::Ahead(const void* data, std::size_t used_bytes, std::size_t capacity_bytes) {
  TALLY_ASSERT(used_bytes <= capacity_bytes);
  const auto* bytes = static_cast<const char*>(data);
  if (bytes != data_) {
    data_ = bytes;
    populated_bytes_ = 0;
  }
  if (bytes == nullptr || used_bytes + kAheadBytes / 2 <= populated_bytes_) return;
  const std::size_t from = std::max(used_bytes, populated_bytes_);
  const std::size_t to = std::min(capacity_bytes, used_bytes + kAheadBytes);
  if (from >= to) return;
  // madvise wants a page-aligned start; the pages around the range belong to the same mapping
  // (the buffer's first and last pages), and populating a present page changes nothing.
  const std::uintptr_t page = PageBytes();
  const auto begin = reinterpret_cast<std::uintptr_t>(bytes + from) & ~(page - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(bytes + to);
  // A failure (an old kernel, memory pressure) only means the pages fault when written.
  (void)::madvise(reinterpret_cast<void*>(begin), end - begin, kPopulateWrite);
  populated_bytes_ = to;
}

}  // namespace tally::engine
