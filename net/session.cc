#include "net/session.h"

#include <chrono>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "log/logger.h"
#include "net/gzip.h"
#include "net/response_encoder.h"

namespace tally::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// The first read of a request asks for this much; the parser takes what it needs.
constexpr std::size_t kReadChunkBytes = 16 << 10;

HttpMethod MethodOf(http::verb verb) {
  switch (verb) {
    case http::verb::get: return HttpMethod::kGet;
    case http::verb::post: return HttpMethod::kPost;
    default: return HttpMethod::kOther;
  }
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && beast::iequals(a, b);
}

}  // namespace

Session::Session(asio::ip::tcp::socket&& socket, ServerState& state)
    : stream_(std::move(socket)), state_(state) {
  state_.metrics.AddOpenConnections(1);
}

Session::~Session() {
  state_.Unregister(registry_id_);
  state_.connections.fetch_sub(1, std::memory_order_acq_rel);
  state_.metrics.AddOpenConnections(-1);
}

void Session::Start() {
  registry_id_ = state_.Register(shared_from_this());
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void Session::Shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->read_closed_ = true;
    if (self->slots_.empty() && !self->writing_) {
      self->Close();
    }
    // Otherwise OnWrite closes once the last response in flight is out.
  });
}

std::chrono::milliseconds Session::WriteTimeout() const {
  // A client that stops reading its responses is dropped after the idle timeout. Using the same
  // (long) span as the idle read keeps the new timer behind the earliest one, so arming it does
  // not reprogram the reactor's timerfd on every response.
  return std::chrono::milliseconds(state_.config.idle_timeout_ms);
}

bool Session::CanReadMore() const {
  return !read_closed_ && !closed_ && !reading_ &&
         slots_.size() < state_.config.pipeline_requests_max;
}

void Session::DoRead() {
  if (!CanReadMore()) {
    return;
  }
  reading_ = true;
  if (buffer_.size() > 0) {
    // A pipelined request has already begun to arrive.
    DoReadHeader();
    return;
  }
  stream_.expires_after(std::chrono::milliseconds(state_.config.idle_timeout_ms));
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->OnIdleRead(ec, n);
                          });
}

void Session::OnIdleRead(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec) {
    // Idle timeout, the peer closing, or our own Close(): nothing half-read is lost.
    StopReading();
    return;
  }
  buffer_.commit(bytes);
  reading_ = true;
  DoReadHeader();
}

void Session::DoReadHeader() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(state_.config.header_bytes_max));
  parser_->body_limit(state_.config.body_bytes_max);
  if (ParseBuffered()) {
    return;
  }
  stream_.expires_after(std::chrono::milliseconds(state_.config.header_timeout_ms));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnReadHeader(ec); });
}

bool Session::ParseBuffered() {
  // Most requests arrive whole in one read (small requests, pipelines): parsing them in place
  // skips the asynchronous header and body steps, their posts and their timers.
  beast::error_code ec;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      return false;  // the asynchronous steps read the rest; the parser keeps its state
    }
    if (ec) {
      OnReadHeader(ec);
      return true;
    }
    if (used == 0) {
      return false;
    }
  }
  if (!parser_->is_done()) {
    return false;
  }
  OnReadBody({});
  return true;
}

void Session::OnReadHeader(beast::error_code ec) {
  reading_ = false;
  if (ec == http::error::header_limit) {
    return Reject(431, "Request header fields too large");
  }
  if (ec == http::error::body_limit) {
    // Content-Length over the limit: refused before a byte of the body is read.
    return Reject(413, "Request body too large");
  }
  if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
      ec == asio::error::operation_aborted || ec == asio::error::eof) {
    StopReading();
    return;
  }
  if (ec) {
    return Reject(400, "Malformed HTTP request");
  }
  reading_ = true;
  auto expect = parser_->get().find(http::field::expect);
  if (expect != parser_->get().end() && IEquals(expect->value(), "100-continue") &&
      !parser_->is_done() && slots_.empty() && !writing_) {
    // curl waits a second for this before sending a body over 1 KiB.
    static const std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    writing_ = true;
    stream_.expires_after(WriteTimeout());
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code wec, std::size_t) {
                        self->writing_ = false;
                        if (wec) {
                          self->reading_ = false;
                          self->Close();
                          return;
                        }
                        self->DoWrite();
                        self->DoReadBody();
                      });
    return;
  }
  DoReadBody();
}

void Session::DoReadBody() {
  stream_.expires_after(std::chrono::milliseconds(state_.config.body_timeout_ms));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnReadBody(ec); });
}

void Session::OnReadBody(beast::error_code ec) {
  reading_ = false;
  if (ec == http::error::body_limit) {
    return Reject(413, "Request body too large");
  }
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    StopReading();
    return;
  }
  if (ec) {
    return Reject(400, "Malformed HTTP request");
  }
  if (read_closed_) {
    StopReading();  // draining: requests that arrive now are not started
    return;
  }
  Dispatch();
  DoRead();
}

void Session::Dispatch() {
  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  unsigned version = message.version();
  bool keep_alive = message.keep_alive();
  if (!keep_alive) {
    read_closed_ = true;
  }
  HttpRequest request;
  request.method = MethodOf(message.method());
  request.target = std::string(message.target());
  if (auto it = message.find(http::field::authorization); it != message.end()) {
    request.authorization.emplace(it->value());
  }
  if (auto it = message.find(http::field::content_type); it != message.end()) {
    request.content_type = std::string(it->value());
  }
  request.body = std::move(message.body());

  std::uint64_t seq = first_seq_ + slots_.size();
  slots_.emplace_back();

  if (auto it = message.find(http::field::content_encoding); it != message.end()) {
    std::optional<HttpResponse> refused;
    if (IEquals(it->value(), "gzip")) {
      Result<std::string> decoded = Gunzip(request.body, state_.config.body_bytes_max);
      if (decoded.ok()) {
        request.body = std::move(decoded).value();
      } else if (decoded.status().code() == Status::Code::kOutOfRange) {
        refused = HttpResponse{413, EncodeError("Request body too large")};
      } else {
        refused = HttpResponse{400, EncodeError("Invalid request body")};
      }
    } else if (!IEquals(it->value(), "identity")) {
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
  // Requests of one connection run one after another, in order, so a pipelined read sees the
  // writes sent before it on the same connection.
  while (!worker_busy_ && !pending_.empty() && !closed_) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    if (state_.handler.MayWaitForSync(p.request)) {
      worker_busy_ = true;
      asio::post(state_.workers, [self = shared_from_this(), p = std::move(p)]() mutable {
        HttpResponse response = self->state_.handler.Handle(p.request);
        asio::post(self->stream_.get_executor(),
                   [self, seq = p.seq, version = p.version, keep_alive = p.keep_alive,
                    response = std::move(response)]() mutable {
                     self->worker_busy_ = false;
                     self->Complete(seq, std::move(response), version, keep_alive);
                     self->RunPending();
                   });
      });
      return;
    }
    Complete(p.seq, state_.handler.Handle(p.request), p.version, p.keep_alive);
  }
}

void Session::Complete(std::uint64_t seq, HttpResponse response, unsigned version,
                       bool keep_alive) {
  if (closed_) {
    return;
  }
  TALLY_ASSERT(seq >= first_seq_ && seq < first_seq_ + slots_.size());
  Slot& slot = slots_[seq - first_seq_];
  TALLY_ASSERT(!slot.response.has_value());
  bool close = !keep_alive || state_.draining.load(std::memory_order_acquire);
  slot.response.emplace(static_cast<http::status>(response.status), version);
  slot.response->set(http::field::content_type, beast::string_view(response.content_type.data(),
                                                                   response.content_type.size()));
  slot.response->keep_alive(!close);
  slot.response->body() = std::move(response.body);
  slot.response->prepare_payload();
  slot.close = close;
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
  if (writing_ || closed_ || slots_.empty() || !slots_.front().response.has_value()) {
    return;
  }
  writing_ = true;
  stream_.expires_after(WriteTimeout());
  bool close = slots_.front().close;
  http::async_write(stream_, *slots_.front().response,
                    [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
                      self->OnWrite(close, ec);
                    });
}

void Session::OnWrite(bool close, beast::error_code ec) {
  writing_ = false;
  slots_.pop_front();
  ++first_seq_;
  if (ec || close) {
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
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
}

}  // namespace tally::net
