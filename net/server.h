// Server: tally's HTTP/1.1 server — one io_context per thread (--threads), a Listener, a
// Session per connection, and a worker pool for the requests that block (snapshots, writes
// without a deferred form). The Beast/Asio machinery stays behind this header so that only a
// few files compile it.
//
// Lifetime: Start, then Drain (once) from the thread that owns the Server; the destructor
// drains with a zero timeout if Drain was not called. The handler and metrics must outlive the
// Server. Thread safety: Start/Drain are not to be called concurrently with each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "log/result.h"
#include "net/http_message.h"
#include "net/metrics.h"
#include "net/serve_config.h"

namespace tally::net {

class Server {
 public:
  // `config` must be validated; it is referenced, not copied, and must outlive the Server.
  Server(const ServeConfig& config, RequestHandler& handler, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds config.listen and starts the threads; returns the bound port. kIoError if the
  // address cannot be bound.
  Result<std::uint16_t> Start();

  // Stops accepting, lets the requests in flight finish and their responses go out (idle
  // connections are closed at once), waits at most `timeout`, then waits for the responses
  // still waiting for durability (the log always answers them) and the workers, and stops
  // every thread.
  // Returns true when every connection closed within the timeout.
  bool Drain(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tally::net
