// Session: one HTTP/1.1 connection, following Beast's server shape: paired DoRead/OnRead and
// DoWrite/OnWrite steps on the connection's io_context (one thread per io_context, so every
// step of a session runs on one thread and the session needs no lock).
//
// Reading: bytes are read into one buffer and parsed in place by a RequestParser (no per-field
// allocation); requests that arrived together (pipelining) are parsed without another read.
// Limits: header bytes (431 beyond), body bytes (a Content-Length or chunked body over the
// limit is a 413 before it is buffered, gunzipped bodies too), pipelined requests in flight.
// Timeouts — idle keep-alive wait, header (slowloris), body, a client not taking its
// responses — share one deadline and one timer that is re-armed only when a deadline moves
// earlier or the timer fires, so a request does not reprogram the reactor's timer.
//
// Pipelining: up to pipeline_requests_max requests of one connection are in flight; they run
// one after another and their responses are written in request order, every response that is
// ready going out in one gathered write. A write's response that may go out only once its log
// record is durable (--sync always) goes through RequestHandler::AwaitDurable and comes back
// by a post from the log's sync thread; no thread waits for the sync. Requests that block for
// long (RequestHandler::RunsOnWorker: snapshots, writes without a deferred form) run on the
// server's worker pool so the I/O thread keeps going.
// Drain (Shutdown): stop reading, finish the responses in flight, close.
//
// Thread safety: every method except Shutdown runs on the session's executor; Shutdown posts.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "net/http_message.h"
#include "net/request_parser.h"
#include "net/response_head.h"
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
  using Clock = std::chrono::steady_clock;
  // A request read and waiting for the ones before it on this connection to finish.
  struct Pending {
    std::uint64_t seq = 0;
    HttpRequest request;
    unsigned version = 11;
    bool keep_alive = true;
  };
  // One response in request order; `ready` once it is complete.
  struct Slot {
    bool ready = false;
    bool close = false;  // the connection ends after this response
    ResponseHead head;
    std::string body;
  };
  enum class ParseStep { kNeedMore, kRequest, kStopped };

  void DoRead();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  ParseStep ParseBuffered();
  void OnHeaderDone();
  void OnParseError(boost::beast::error_code ec);
  void Dispatch();
  void RunPending();
  // Completes `response` now, or once its log record is durable (response.wait.lsn != 0).
  void Respond(std::uint64_t seq, HttpResponse response, unsigned version, bool keep_alive);
  void Complete(std::uint64_t seq, HttpResponse response, unsigned version, bool keep_alive);
  void Reject(unsigned status, std::string_view message);
  void DoWrite();
  void WriteContinue();
  void OnWrite(boost::beast::error_code ec);
  void StopReading();
  void Close();
  bool CanReadMore() const;
  void SetDeadline(Clock::duration timeout);
  void ArmTimer();
  void OnTimer(std::uint64_t generation, boost::beast::error_code ec);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;  // the request being read; empty between requests
  ServerState& state_;
  std::uint64_t registry_id_ = 0;

  // Timeouts: the connection closes at deadline_ unless it moves. The timer waits until
  // timer_expiry_ (≤ deadline_); when it fires early it waits again for the rest.
  Clock::time_point deadline_{};
  Clock::time_point timer_expiry_{};
  bool timer_waiting_ = false;
  std::uint64_t timer_generation_ = 0;  // a completed wait of an older generation is ignored
  bool header_deadline_set_ = false;    // the current request's header timeout is running
  bool body_deadline_set_ = false;      // the current request's body timeout is running
  bool header_done_ = false;            // the current request's header was handled

  std::deque<Slot> slots_;       // responses in request order; front is the oldest
  std::uint64_t first_seq_ = 0;  // sequence number of slots_.front()
  std::deque<Pending> pending_;  // not yet started, in request order
  std::vector<boost::asio::const_buffer> gather_;  // the write in progress
  std::size_t writing_slots_ = 0;                  // slots the write in progress carries
  bool writing_close_ = false;  // the write in progress ends with a closing response
  bool worker_busy_ = false;    // a request of this session is running on a worker
  bool reading_ = false;        // a read is pending
  bool writing_ = false;        // a write is pending
  bool read_closed_ = false;    // no further request will be read
  bool closed_ = false;
};

}  // namespace tally::net
