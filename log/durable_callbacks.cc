#include "log/durable_callbacks.h"

#include <algorithm>
#include <utility>

#include "log/assert.h"

namespace tally::log {
namespace {

// std::push_heap builds a max-heap; inverting the order makes the front the lowest LSN.
struct Later {
  template <typename Entry>
  bool operator()(const Entry& a, const Entry& b) const {
    return a.lsn != b.lsn ? a.lsn > b.lsn : a.order > b.order;
  }
};

}  // namespace

std::optional<DurableCallbacks::Callback> DurableCallbacks::Add(Lsn lsn, Callback done,
                                                                const std::atomic<Lsn>& durable) {
  TALLY_ASSERT(done != nullptr);
  std::lock_guard lock(mu_);
  if (closed_) {
    return done;
  }
  // Inline only when no earlier callback can still be called after this one.
  const bool earlier_queued = !heap_.empty() && heap_.front().lsn <= lsn;
  if (lsn <= durable.load(std::memory_order_acquire) && !delivering_ && !earlier_queued) {
    return done;
  }
  heap_.push_back(Entry{.lsn = lsn, .order = added_++, .done = std::move(done)});
  highest_ = std::max(highest_, lsn);
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return std::nullopt;
}

template <typename Take>
std::vector<DurableCallbacks::Entry> DurableCallbacks::PopWhile(Take take) {
  std::vector<Entry> taken;
  while (!heap_.empty() && take(heap_.front().lsn)) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    taken.push_back(std::move(heap_.back()));
    heap_.pop_back();
  }
  if (heap_.empty()) {
    highest_ = 0;
  }
  return taken;
}

void DurableCallbacks::DeliverUpTo(const std::atomic<Lsn>& durable) {
  std::unique_lock lock(mu_);
  if (delivering_) {
    return;
  }
  for (;;) {
    // Read under the lock: a thread that made more LSNs durable and found this one delivering
    // stored them before it took the lock, so this pass or the next sees them.
    const Lsn up_to = durable.load(std::memory_order_acquire);
    std::vector<Entry> taken = PopWhile([up_to](Lsn lsn) { return lsn <= up_to; });
    if (taken.empty()) {
      return;
    }
    // Registrations meanwhile queue behind this batch (delivering_), and the next pass of
    // this loop takes those that are durable already.
    delivering_ = true;
    lock.unlock();
    for (Entry& entry : taken) {
      entry.done(Status::Ok());
    }
    lock.lock();
    delivering_ = false;
    delivered_cv_.notify_all();
  }
}

Lsn DurableCallbacks::highest_pending() const {
  std::lock_guard lock(mu_);
  return highest_;
}

void DurableCallbacks::Close(const std::function<Status(Lsn)>& outcome) {
  std::unique_lock lock(mu_);
  delivered_cv_.wait(lock, [&] { return !delivering_; });
  closed_ = true;
  std::vector<Entry> taken = PopWhile([](Lsn) { return true; });
  lock.unlock();
  for (Entry& entry : taken) {
    entry.done(outcome(entry.lsn));
  }
}

}  // namespace tally::log
