// Listener: accepts connections and starts a Session for each, spreading them round-robin over
// the server's io_contexts (one per thread).
//
// Beyond connections_max open connections a new one is closed at once, so the others keep
// their share. When accept fails for lack of file descriptors (EMFILE/ENFILE) the listener
// waits kAcceptBackoff before trying again instead of spinning on the error.
//
// Thread safety: runs on its own io_context's thread; Stop may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "log/result.h"
#include "net/server_state.h"

namespace tally::net {

inline constexpr std::chrono::milliseconds kAcceptBackoff{100};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `contexts` must outlive the listener; the acceptor runs on contexts[0].
  Listener(std::vector<boost::asio::io_context*> contexts, ServerState& state);

  // Binds and listens; returns the bound port (the chosen one when the config asked for 0).
  Result<std::uint16_t> Open(const boost::asio::ip::tcp::endpoint& endpoint);
  void Start();
  // Stops accepting (posted to the acceptor's thread).
  void Stop();

 private:
  void DoAccept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  std::vector<boost::asio::io_context*> contexts_;
  std::size_t next_context_ = 0;
  ServerState& state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  bool emfile_reported_ = false;
};

}  // namespace tally::net
