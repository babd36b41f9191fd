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
  return taken;
}

void DurableCallbacks::DeliverUpTo(Lsn durable) {
  std::unique_lock lock(mu_);
  TALLY_ASSERT(!delivering_);
  for (;;) {
    std::vector<Entry> taken = PopWhile([durable](Lsn lsn) { return lsn <= durable; });
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
  }
}

bool DurableCallbacks::pending() const {
  std::lock_guard lock(mu_);
  return !heap_.empty();
}

void DurableCallbacks::Close(const std::function<Status(Lsn)>& outcome) {
  std::unique_lock lock(mu_);
  TALLY_ASSERT(!delivering_);
  closed_ = true;
  std::vector<Entry> taken = PopWhile([](Lsn) { return true; });
  lock.unlock();
  for (Entry& entry : taken) {
    entry.done(outcome(entry.lsn));
  }
}

}  // namespace tally::log
