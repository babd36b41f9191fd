#include "net/server.h"

#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "log/logger.h"
#include "net/listener.h"
#include "net/server_state.h"
#include "net/session.h"

namespace tally::net {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kDrainPoll{10};
}  // namespace

struct Server::Impl {
  Impl(const ServeConfig& c, RequestHandler& handler, Metrics& metrics)
      : config(c), state(c, handler, metrics) {}

  const ServeConfig& config;
  ServerState state;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::shared_ptr<Listener> listener;
  bool drained = false;
};

Server::Server(const ServeConfig& config, RequestHandler& handler, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, handler, metrics)) {}

Server::~Server() {
  if (!impl_->drained) {
    Drain(std::chrono::milliseconds(0));
  }
}

Result<std::uint16_t> Server::Start() {
  TALLY_ASSERT(impl_->contexts.empty());
  const ServeConfig& config = impl_->config;
  TALLY_ASSERT(config.threads >= 1);
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(config.listen_host, ec);
  if (ec) {
    return Status::InvalidArgument("--listen host must be an IP address, got \"" +
                                   config.listen_host + "\"");
  }
  std::vector<asio::io_context*> raw;
  for (unsigned i = 0; i < config.threads; ++i) {
    // Concurrency hint 1: each io_context is run by exactly one thread, so Asio can skip locks.
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
    impl_->guards.push_back(asio::make_work_guard(*impl_->contexts.back()));
    raw.push_back(impl_->contexts.back().get());
  }
  impl_->listener = std::make_shared<Listener>(raw, impl_->state);
  TALLY_ASSIGN_OR_RETURN(std::uint16_t port, impl_->listener->Open(asio::ip::tcp::endpoint(
                                                 address, config.listen_port)));
  impl_->listener->Start();
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([ctx = context.get()] { ctx->run(); });
  }
  return port;
}

bool Server::Drain(std::chrono::milliseconds timeout) {
  TALLY_ASSERT(!impl_->drained);
  impl_->drained = true;
  if (impl_->contexts.empty()) {
    return true;
  }
  impl_->state.draining.store(true, std::memory_order_release);
  impl_->listener->Stop();
  impl_->state.ForEachSession([](const std::shared_ptr<Session>& s) { s->Shutdown(); });
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool all_closed = false;
  while (true) {
    all_closed = impl_->state.connections.load(std::memory_order_acquire) == 0;
    if (all_closed || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(kDrainPoll);
  }
  // Responses waiting for durability are delivered by the log's sync thread whatever happens
  // (durable, or the log's error), and requests already on a worker finish (their engine calls
  // are not interrupted), before the I/O threads stop: every write that reached the engine
  // completes, and no callback posts to a stopped io_context.
  while (impl_->state.durable_waits.load(std::memory_order_acquire) != 0) {
    std::this_thread::sleep_for(kDrainPoll);
  }
  impl_->state.workers.join();
  impl_->guards.clear();
  for (auto& context : impl_->contexts) {
    context->stop();
  }
  for (std::thread& t : impl_->threads) {
    t.join();
  }
  impl_->listener.reset();
  impl_->contexts.clear();
  return all_closed;
}

}  // namespace tally::net
