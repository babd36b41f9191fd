// Router: the one request handler of the server. Matches the route, enforces its method,
// authenticates the key, checks the content type of writes, and calls the endpoint's handler;
// it never touches a socket (the session does) and calls only the engine's and the log's API.
//
// Until SetEngine is called (the log is still being replayed) /livez answers 200, /readyz
// 503 "replaying the log" and every API endpoint 503. POST /admin/snapshot needs a key with the
// admin scope, of any workspace (a snapshot holds every workspace), and SetSnapshots.
//
// Writes of custom events (upsert, import) under --sync always are applied at once and their
// responses wait for durability through Log::OnDurable (AwaitDurable), so no thread blocks;
// other writes under --sync always, and snapshots, block in Handle and run on a worker.
//
// Thread safety: Handle, AwaitDurable and RunsOnWorker may be called from any number of
// threads at once;
// SetLog/SetEngine/SetSnapshots publish their pointer with release semantics and may race with
// Handle. The engine, log, snapshot store, key ring and metrics must outlive the Router.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "engine/engine.h"
#include "engine/snapshot_store.h"
#include "log/log.h"
#include "net/http_message.h"
#include "net/key_ring.h"
#include "net/metrics.h"

namespace tally::net {

class Router final : public RequestHandler {
 public:
  Router(KeyRing& keys, Metrics& metrics, log::SyncPolicy sync);

  void SetLog(log::Log* log) { log_.store(log, std::memory_order_release); }
  void SetEngine(engine::Engine* engine) { engine_.store(engine, std::memory_order_release); }
  void SetSnapshots(engine::SnapshotStore* store) {
    snapshots_.store(store, std::memory_order_release);
  }

  HttpResponse Handle(HttpRequest& request) override;
  // Needs SetLog: only responses of writes, which need the engine and so the log, wait.
  void AwaitDurable(HttpResponse response, std::function<void(HttpResponse)> done) override;
  bool RunsOnWorker(const HttpRequest& request) const override;

  MetricsSnapshot Snapshot() const;

 private:
  HttpResponse Dispatch(HttpRequest& request, Route route);
  // Records a finished request: events ingested, in-flight, count and latency, a warning on 5xx.
  void Finish(const HttpResponse& response, Route route, HttpMethod method,
              std::chrono::steady_clock::time_point started);
  HttpResponse Readyz() const;

  KeyRing& keys_;
  Metrics& metrics_;
  const log::SyncPolicy sync_;
  std::atomic<log::Log*> log_{nullptr};
  std::atomic<engine::Engine*> engine_{nullptr};
  std::atomic<engine::SnapshotStore*> snapshots_{nullptr};
};

}  // namespace tally::net
