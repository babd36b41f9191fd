#include "net/session.h"

#include <span>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "log/logger.h"
#include "net/gzip.h"
#include "net/response_encoder.h"

namespace tally::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Each read asks for this much; the parser takes what it needs.
constexpr std::size_t kReadChunkBytes = 16 << 10;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && beast::iequals(a, b);
}

std::chrono::milliseconds Ms(std::uint32_t ms) {
  return std::chrono::milliseconds(ms);
}

}  // namespace

Session::Session(asio::ip::tcp::socket&& socket, ServerState& state)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(state) {
  state_.metrics.AddOpenConnections(1);
}

Session::~Session() {
  state_.Unregister(registry_id_);
  state_.connections.fetch_sub(1, std::memory_order_acq_rel);
  state_.metrics.AddOpenConnections(-1);
}

void Session::Start() {
  registry_id_ = state_.Register(shared_from_this());
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void Session::Shutdown() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->read_closed_ = true;
    if (self->slots_.empty() && !self->writing_) {
      self->Close();
    }
    // Otherwise OnWrite closes once the last response in flight is out.
  });
}

bool Session::CanReadMore() const {
  return !read_closed_ && !closed_ && !reading_ &&
         slots_.size() < state_.config.pipeline_requests_max;
}

void Session::SetDeadline(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
  // A later deadline is picked up when the pending wait fires; only an earlier one re-arms.
  if (!timer_waiting_ || deadline_ < timer_expiry_) {
    ArmTimer();
  }
}

void Session::ArmTimer() {
  timer_expiry_ = deadline_;
  timer_waiting_ = true;
  std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(deadline_);
  // The timer does not keep the session alive: every session ends through Close, which
  // cancels it, or with its io_context.
  timer_.async_wait([weak = weak_from_this(), generation](beast::error_code ec) {
    if (std::shared_ptr<Session> self = weak.lock()) {
      self->OnTimer(generation, ec);
    }
  });
}

void Session::OnTimer(std::uint64_t generation, beast::error_code ec) {
  if (generation != timer_generation_ || closed_) {
    return;  // a later wait replaced this one, or the connection is gone
  }
  timer_waiting_ = false;
  if (ec) {
    return;
  }
  if (Clock::now() < deadline_) {
    ArmTimer();
    return;
  }
  if (!writing_ && !slots_.empty()) {
    // The client is waiting for us (a request is being handled), not the other way round.
    SetDeadline(Ms(state_.config.idle_timeout_ms));
    return;
  }
  // Idle too long, headers or body too slow, or responses not taken: drop the connection.
  Close();
}

void Session::DoRead() {
  // Requests already buffered (pipelined, or sent together) are parsed in place; a read is
  // started only for bytes still missing.
  while (CanReadMore()) {
    if (buffer_.size() > 0) {
      ParseStep step = ParseBuffered();
      if (step == ParseStep::kRequest) {
        continue;
      }
      if (step == ParseStep::kStopped) {
        return;
      }
    } else if (!parser_) {
      SetDeadline(Ms(state_.config.idle_timeout_ms));  // keep-alive wait for the next request
    }
    reading_ = true;
    socket_.async_read_some(
        buffer_.prepare(kReadChunkBytes),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->OnRead(ec, n); });
    return;
  }
}

void Session::OnRead(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec) {
    // The peer closing (mid-request too), a reset, or our own Close(): stop reading; the
    // responses already owed still go out.
    StopReading();
    return;
  }
  buffer_.commit(bytes);
  DoRead();
}

Session::ParseStep Session::ParseBuffered() {
  if (!parser_) {
    parser_.emplace(state_.config.header_bytes_max, state_.config.body_bytes_max);
    header_deadline_set_ = false;
    body_deadline_set_ = false;
    header_done_ = false;
  }
  while (buffer_.size() > 0) {
    beast::error_code ec;
    std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      break;  // the parser keeps its state; the next read brings the rest
    }
    if (ec) {
      OnParseError(ec);
      return ParseStep::kStopped;
    }
    if (!header_done_ && parser_->is_header_done()) {
      header_done_ = true;
      OnHeaderDone();
      if (closed_) {
        return ParseStep::kStopped;
      }
    }
    if (parser_->is_done()) {
      Dispatch();
      return closed_ ? ParseStep::kStopped : ParseStep::kRequest;
    }
    if (used == 0) {
      break;
    }
  }
  // Part of a request is here and the rest is not: its header or body timeout runs from now.
  if (!header_done_ && !header_deadline_set_) {
    header_deadline_set_ = true;
    SetDeadline(Ms(state_.config.header_timeout_ms));
  } else if (header_done_ && !body_deadline_set_) {
    body_deadline_set_ = true;
    SetDeadline(Ms(state_.config.body_timeout_ms));
  }
  return ParseStep::kNeedMore;
}

void Session::OnHeaderDone() {
  // curl waits a second for this before sending a body over 1 KiB.
  if (parser_->expects_continue() && !parser_->is_done() && slots_.empty() && !writing_) {
    WriteContinue();
  }
}

void Session::OnParseError(beast::error_code ec) {
  parser_.reset();
  if (ec == http::error::header_limit) {
    return Reject(431, "Request header fields too large");
  }
  if (ec == http::error::body_limit) {
    // Content-Length over the limit: refused before a byte of the body is read.
    return Reject(413, "Request body too large");
  }
  Reject(400, "Malformed HTTP request");
}

void Session::Dispatch() {
  unsigned version = parser_->version() >= 11 ? 11 : 10;
  bool keep_alive = parser_->keep_alive();
  std::optional<std::string> encoding = parser_->content_encoding();
  HttpRequest request = parser_->Release();
  parser_.reset();
  if (read_closed_) {
    return;  // draining: a request that arrives now is not started
  }
  if (!keep_alive) {
    read_closed_ = true;
  }
  std::uint64_t seq = first_seq_ + slots_.size();
  slots_.emplace_back();

  if (encoding) {
    std::optional<HttpResponse> refused;
    if (IEquals(*encoding, "gzip")) {
      Result<std::string> decoded = Gunzip(request.body, state_.config.body_bytes_max);
      if (decoded.ok()) {
        request.body = std::move(decoded).value();
      } else if (decoded.status().code() == Status::Code::kOutOfRange) {
        refused = HttpResponse{413, EncodeError("Request body too large")};
      } else {
        refused = HttpResponse{400, EncodeError("Invalid request body")};
      }
    } else if (!IEquals(*encoding, "identity")) {
      refused = HttpResponse{415, EncodeError("Unsupported Content-Encoding")};
    }
    if (refused) {
      std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
      state_.metrics.RecordRequest(RouteOf(path), request.method, refused->status,
                                   std::chrono::nanoseconds(0));
      Complete(seq, std::move(*refused), version, keep_alive);
      return;
    }
  }

  pending_.push_back(Pending{seq, std::move(request), version, keep_alive});
  RunPending();
}

void Session::RunPending() {
  // Requests of one connection start one after another, in order, so a pipelined read sees
  // the writes sent before it on the same connection. A write whose response waits for
  // durability does not hold up the next request: it is applied already.
  while (!worker_busy_ && !pending_.empty() && !closed_) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    if (state_.handler.RunsOnWorker(p.request)) {
      worker_busy_ = true;
      asio::post(state_.workers, [self = shared_from_this(), p = std::move(p)]() mutable {
        HttpResponse response = self->state_.handler.Handle(p.request);
        asio::post(self->socket_.get_executor(),
                   [self, seq = p.seq, version = p.version, keep_alive = p.keep_alive,
                    response = std::move(response)]() mutable {
                     self->worker_busy_ = false;
                     self->Respond(seq, std::move(response), version, keep_alive);
                     self->RunPending();
                   });
      });
      return;
    }
    Respond(p.seq, state_.handler.Handle(p.request), p.version, p.keep_alive);
  }
}

void Session::Respond(std::uint64_t seq, HttpResponse response, unsigned version, bool keep_alive) {
  if (response.wait.lsn == 0) {
    Complete(seq, std::move(response), version, keep_alive);
    return;
  }
  // The handler calls back on the log's sync thread (or at once): the response comes back to
  // this session's thread by a post. Drain waits for durable_waits to reach zero before it
  // stops the io_contexts, so the post always has somewhere to go.
  state_.durable_waits.fetch_add(1, std::memory_order_acq_rel);
  // Captured here so that the callback reads nothing of the session on the other thread.
  std::atomic<std::size_t>* waits = &state_.durable_waits;
  state_.handler.AwaitDurable(
      std::move(response), [self = shared_from_this(), executor = socket_.get_executor(), waits,
                            seq, version, keep_alive](HttpResponse sent) mutable {
        asio::post(executor, [self = std::move(self), seq, version, keep_alive,
                              sent = std::move(sent)]() mutable {
          self->Complete(seq, std::move(sent), version, keep_alive);
        });
        waits->fetch_sub(1, std::memory_order_acq_rel);
      });
}

void Session::Complete(std::uint64_t seq, HttpResponse response, unsigned version,
                       bool keep_alive) {
  if (closed_) {
    return;
  }
  TALLY_ASSERT(seq >= first_seq_ && seq < first_seq_ + slots_.size());
  Slot& slot = slots_[seq - first_seq_];
  TALLY_ASSERT(!slot.ready);
  bool close = !keep_alive || state_.draining.load(std::memory_order_acquire);
  slot.head = FormatResponseHead(response.status, response.content_type, response.body.size(),
                                 version, close);
  slot.body = std::move(response.body);
  slot.close = close;
  slot.ready = true;
  DoWrite();
}

void Session::Reject(unsigned status, std::string_view message) {
  // The stream can no longer be trusted to be at a request boundary: answer and close.
  read_closed_ = true;
  if (closed_) {
    return;
  }
  state_.metrics.RecordRequest(Route::kUnknown, HttpMethod::kOther, status,
                               std::chrono::nanoseconds(0));
  std::uint64_t seq = first_seq_ + slots_.size();
  slots_.emplace_back();
  Complete(seq, HttpResponse{status, EncodeError(message)}, 11, /*keep_alive=*/false);
}

void Session::DoWrite() {
  if (writing_ || closed_ || slots_.empty() || !slots_.front().ready) {
    return;
  }
  // Every ready response at the front goes out in one write; nothing follows a closing one.
  gather_.clear();
  writing_slots_ = 0;
  writing_close_ = false;
  for (const Slot& slot : slots_) {
    if (!slot.ready || writing_close_) {
      break;
    }
    gather_.push_back(asio::const_buffer(slot.head.bytes.data(), slot.head.size));
    if (!slot.body.empty()) {
      gather_.push_back(asio::buffer(slot.body));
    }
    ++writing_slots_;
    writing_close_ = slot.close;
  }
  writing_ = true;
  // A client that stops taking its responses is dropped after the idle timeout.
  SetDeadline(Ms(state_.config.idle_timeout_ms));
  // The span is the buffer sequence the write copies: gather_ and the slots it points into
  // stay put until OnWrite (a deque does not move its elements on push_back).
  asio::async_write(
      socket_, std::span<const asio::const_buffer>(gather_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void Session::WriteContinue() {
  writing_ = true;
  writing_slots_ = 0;
  writing_close_ = false;
  asio::async_write(
      socket_, asio::const_buffer(kContinue.data(), kContinue.size()),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void Session::OnWrite(beast::error_code ec) {
  writing_ = false;
  for (std::size_t i = 0; i < writing_slots_; ++i) {
    slots_.pop_front();
    ++first_seq_;
  }
  writing_slots_ = 0;
  if (ec || writing_close_) {
    Close();
    return;
  }
  if (read_closed_ && slots_.empty()) {
    Close();
    return;
  }
  DoWrite();
  DoRead();  // a full pipeline may have paused reading
}

void Session::StopReading() {
  read_closed_ = true;
  if (slots_.empty() && !writing_) {
    Close();
  }
}

void Session::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  timer_.cancel();
  beast::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace tally::net
