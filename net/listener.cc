#include "net/listener.h"

#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include "log/logger.h"
#include "net/session.h"

namespace tally::net {

namespace asio = boost::asio;

Listener::Listener(std::vector<asio::io_context*> contexts, ServerState& state)
    : contexts_(std::move(contexts)),
      state_(state),
      acceptor_(*contexts_.front()),
      backoff_(*contexts_.front()) {
  TALLY_ASSERT(!contexts_.empty());
}

Result<std::uint16_t> Listener::Open(const asio::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Status::IoError("listen on " + endpoint.address().to_string() + ":" +
                           std::to_string(endpoint.port()) + ": " + ec.message());
  }
  return acceptor_.local_endpoint().port();
}

void Listener::Start() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->DoAccept(); });
}

void Listener::Stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_.cancel();
  });
}

void Listener::DoAccept() {
  if (!acceptor_.is_open()) {
    return;
  }
  asio::io_context& target = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  acceptor_.async_accept(target, [self = shared_from_this()](boost::system::error_code ec,
                                                             asio::ip::tcp::socket socket) {
    self->OnAccept(ec, std::move(socket));
  });
}

void Listener::OnAccept(boost::system::error_code ec, asio::ip::tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
    return;
  }
  if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
    if (!emfile_reported_) {
      Log(LogLevel::kWarn, "net", "out of file descriptors; pausing accept",
          {{"backoff_ms", static_cast<std::int64_t>(kAcceptBackoff.count())}});
      emfile_reported_ = true;
    }
    backoff_.expires_after(kAcceptBackoff);
    backoff_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec) {
        self->DoAccept();
      }
    });
    return;
  }
  emfile_reported_ = false;
  if (!ec) {
    std::size_t open = state_.connections.fetch_add(1, std::memory_order_acq_rel);
    if (open >= state_.config.connections_max || state_.draining.load(std::memory_order_acquire)) {
      state_.connections.fetch_sub(1, std::memory_order_acq_rel);
      state_.metrics.CountConnectionRefused();
      boost::system::error_code close_ec;
      socket.close(close_ec);
    } else {
      state_.metrics.CountConnectionAccepted();
      socket.set_option(asio::ip::tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), state_)->Start();
    }
  }
  DoAccept();
}

}  // namespace tally::net
