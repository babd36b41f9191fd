// ServerState: what the Listener and every Session of one Server share — the settings, the
// request handler, the worker pool for requests that block (snapshots, writes without a
// deferred form under --sync always), the connection count, the count of responses waiting for
// durability and the registry of live sessions used to drain them.
//
// Thread safety: config, handler, metrics and workers are fixed for the server's lifetime;
// connections, durable_waits and draining are atomics; sessions_ is guarded by sessions_mu_.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "net/http_message.h"
#include "net/metrics.h"
#include "net/serve_config.h"

namespace tally::net {

class Session;

struct ServerState {
  ServerState(const ServeConfig& c, RequestHandler& h, Metrics& m)
      : config(c), handler(h), metrics(m), workers(c.write_workers) {}

  const ServeConfig& config;
  RequestHandler& handler;
  Metrics& metrics;
  boost::asio::thread_pool workers;
  std::atomic<std::size_t> connections{0};
  // Responses handed to RequestHandler::AwaitDurable whose callback has not yet posted them
  // back to their session.
  std::atomic<std::size_t> durable_waits{0};
  std::atomic<bool> draining{false};

  // Registers a live session; returns its id for Unregister.
  std::uint64_t Register(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(sessions_mu_);
    std::uint64_t id = next_session_id_++;
    sessions_.emplace(id, session);
    return id;
  }
  void Unregister(std::uint64_t id) {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(id);
  }
  // Calls fn for every live session. The registry lock is not held while fn runs, because
  // dropping the last reference to a session unregisters it.
  void ForEachSession(const std::function<void(const std::shared_ptr<Session>&)>& fn) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(sessions_mu_);
      for (auto& [id, weak] : sessions_) {
        if (std::shared_ptr<Session> s = weak.lock()) {
          live.push_back(std::move(s));
        }
      }
    }
    for (const std::shared_ptr<Session>& s : live) {
      fn(s);
    }
  }

 private:
  std::mutex sessions_mu_;
  std::uint64_t next_session_id_ = 0;                                   // guarded by sessions_mu_
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by sessions_mu_
};

}  // namespace tally::net
