// DurableCallbacks: the callbacks registered with Log::OnDurable that wait for a sync, kept in
// LSN order until the log's sync thread finds their LSN durable (or the log fails or closes).
//
// Callbacks are delivered in LSN order (ties in registration order) and each exactly once: by
// DeliverUpTo after a sync, or by Close with the log's final outcome. A callback whose LSN is
// durable already is handed back to the registering thread to call inline, unless callbacks at
// or below its LSN are still queued or being delivered: then it is queued behind them, so that
// a thread's callbacks are never called out of LSN order.
//
// Thread safety: Add and pending from any thread; DeliverUpTo and Close from one thread at a
// time (the log's sync thread). mu_ guards the queue and is never held while a callback runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "log/log.h"
#include "log/status.h"

namespace tally::log {

class DurableCallbacks {
 public:
  using Callback = Log::DurableCallback;

  // Queues `done` for `lsn` and returns nullopt; or returns `done` unqueued when the caller is
  // to call it now with the log's outcome for `lsn`: `lsn` is at or below `durable` (loaded
  // under the lock, so a delivery that follows a sync either sees the queued callback or this
  // call sees that sync's durable LSN), or Close has run. O(log n).
  std::optional<Callback> Add(Lsn lsn, Callback done, const std::atomic<Lsn>& durable);

  // Calls every queued callback whose LSN is at or below `durable` with Ok, in LSN order,
  // including those queued while it runs.
  void DeliverUpTo(Lsn durable);

  // Whether any callback is queued.
  bool pending() const;

  // Calls every queued callback with outcome(lsn), in LSN order; every later Add hands its
  // callback back. Idempotent.
  void Close(const std::function<Status(Lsn)>& outcome);

 private:
  struct Entry {
    Lsn lsn = 0;
    std::uint64_t order = 0;  // registration order, for equal LSNs
    Callback done;
  };
  // Moves the queued entries that `take` accepts (tested in LSN order) out, lowest first.
  template <typename Take>
  std::vector<Entry> PopWhile(Take take);

  mutable std::mutex mu_;
  std::vector<Entry> heap_;  // guarded by mu_: a min-heap by (lsn, order)
  std::uint64_t added_ = 0;  // guarded by mu_
  bool delivering_ = false;  // guarded by mu_: callbacks taken from heap_ are being called
  bool closed_ = false;      // guarded by mu_
};

}  // namespace tally::log
