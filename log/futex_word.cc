#include "log/futex_word.h"

#include <cerrno>
#include <climits>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log/assert.h"

namespace tally::log {
namespace {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a futex is a plain 32-bit word");

long Futex(const std::atomic<std::uint32_t>* word, int op, std::uint32_t value) {
  // The kernel reads the word itself; the atomic's object representation is the plain word.
  return ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), op, value, nullptr,
                   nullptr, 0);
}

}  // namespace

void FutexWord::Wait(std::uint32_t seen) const {
  if (value_.load(std::memory_order_acquire) != seen) {
    return;
  }
  // EAGAIN: the value changed before the kernel queued this thread; EINTR: a signal. Both
  // return to the caller, which rechecks.
  const long rc = Futex(&value_, FUTEX_WAIT_PRIVATE, seen);
  TALLY_ASSERT(rc == 0 || errno == EAGAIN || errno == EINTR);
}

void FutexWord::WakeOne() {
  const long woken = Futex(&value_, FUTEX_WAKE_PRIVATE, 1);
  TALLY_ASSERT(woken >= 0);
}

void FutexWord::WakeAll() {
  const long woken = Futex(&value_, FUTEX_WAKE_PRIVATE, INT_MAX);
  TALLY_ASSERT(woken >= 0);
}

}  // namespace tally::log
