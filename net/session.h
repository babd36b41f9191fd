// Session: one HTTP/1.1 connection, following Beast's server shape: paired DoRead/OnRead and
// DoWrite/OnWrite steps on the connection's io_context (one thread per io_context, so every
// step of a session runs on one thread and the session needs no lock).
//
// Reading: wait for the first byte of a request (idle timeout), read the headers (header
// timeout and byte limit, 431 beyond it), read the body (body timeout; a Content-Length or
// chunked body over the limit is a 413 before it is buffered), gunzip it if asked (limit
// applied after decompression). Pipelining: up to pipeline_requests_max requests of one
// connection are in flight at once; they run one after another and their responses are
// written in request order. Requests that
// may wait for the log sync run on the server's worker pool so the I/O thread keeps going.
// Drain (Shutdown): stop reading, finish the responses in flight, close.
//
// Thread safety: every method except Shutdown runs on the session's executor; Shutdown posts.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http_message.h"
#include "net/server_state.h"

namespace tally::net {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket&& socket, ServerState& state);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start();
  // Drain: no new requests; close once the responses in flight are written. Any thread.
  void Shutdown();

 private:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  // A request read and waiting for the ones before it on this connection to finish.
  struct Pending {
    std::uint64_t seq = 0;
    HttpRequest request;
    unsigned version = 11;
    bool keep_alive = true;
  };
  struct Slot {
    std::optional<Response> response;
    bool close = false;  // the connection ends after this response
  };

  void DoRead();
  void OnIdleRead(boost::beast::error_code ec, std::size_t bytes);
  void DoReadHeader();
  bool ParseBuffered();
  void OnReadHeader(boost::beast::error_code ec);
  void DoReadBody();
  void OnReadBody(boost::beast::error_code ec);
  void Dispatch();
  void RunPending();
  void Complete(std::uint64_t seq, HttpResponse response, unsigned version, bool keep_alive);
  void Reject(unsigned status, std::string_view message);
  void DoWrite();
  void OnWrite(bool close, boost::beast::error_code ec);
  void StopReading();
  void Close();
  bool CanReadMore() const;
  std::chrono::milliseconds WriteTimeout() const;

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  ServerState& state_;
  std::uint64_t registry_id_ = 0;

  std::deque<Slot> slots_;       // responses in request order; front is the oldest
  std::uint64_t first_seq_ = 0;  // sequence number of slots_.front()
  std::deque<Pending> pending_;  // not yet started, in request order
  bool worker_busy_ = false;     // a request of this session is running on a worker
  bool reading_ = false;         // a read is pending
  bool writing_ = false;         // a write is pending
  bool read_closed_ = false;     // no further request will be read
  bool closed_ = false;
};

}  // namespace tally::net
