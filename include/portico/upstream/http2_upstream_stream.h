// One request on a multiplexed upstream HTTP/2 connection, as the exchange sees it: the
// response head, body and trailers arrive through it, and the request body leaves through
// it. Both directions buffer at most about one body piece, so flow control reaches from
// the client to the upstream and back. Owned by the exchange (on its coroutine frame);
// destroying it while the stream is open resets the stream (the client went away or the
// exchange gave up).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "portico/core/async_signal.h"
#include "portico/http/byte_queue.h"
#include "portico/http/response_head.h"

namespace portico::upstream {

class Http2UpstreamConnection;

class Http2UpstreamStream {
 public:
  struct Piece {
    std::size_t bytes = 0;
    bool done = false;    // the response body is complete (trailers, if any, are in)
    bool failed = false;  // reset, connection lost, cancelled or timed out
  };

  explicit Http2UpstreamStream(const boost::asio::any_io_executor& executor);
  ~Http2UpstreamStream();
  Http2UpstreamStream(const Http2UpstreamStream&) = delete;
  Http2UpstreamStream& operator=(const Http2UpstreamStream&) = delete;

  // Exchange side.
  // True once the final response head is in; false when the stream ended without one.
  boost::asio::awaitable<bool> awaitHead();
  http::ResponseHead& head() { return head_; }
  const http::ResponseHead& head() const { return head_; }
  boost::asio::awaitable<Piece> readBody(char* out, std::size_t capacity);
  const http::HeaderMap& trailers() const { return trailers_; }
  bool hasTrailers() const { return !trailers_.empty(); }
  // Queues request body bytes; waits while a piece is still queued. False: the stream is
  // gone (the upstream reset it or answered completely).
  boost::asio::awaitable<bool> sendBody(std::string_view data, bool last);
  // The upstream never processed the stream (REFUSED_STREAM, or above a GOAWAY's last
  // stream id): safe to retry anywhere.
  bool refused() const { return refused_; }
  uint32_t resetCode() const { return resetCode_; }
  bool timedOut() const { return timedOut_; }
  bool responseComplete() const { return inEnd_; }
  // The head ended the stream: no body and no trailers follow (gRPC's trailers-only reply).
  bool headOnly() const { return headOnly_; }
  // Waiters give up at `when` (timedOut() turns true).
  void armDeadline(std::chrono::steady_clock::time_point when);
  // Waiters give up now (the client went away).
  void cancel();

  // Connection side.
  void attach(std::shared_ptr<Http2UpstreamConnection> connection, int32_t id);
  int32_t id() const { return id_; }
  void receiveField(std::string_view name, std::string_view value, bool trailer);
  void receiveHead(bool endStream);
  void receiveData(std::string_view data);
  void receiveEnd();
  void receiveClose(uint32_t errorCode, bool refused);
  std::optional<std::size_t> readRequest(uint8_t* out, std::size_t capacity, bool& eof);

 private:
  bool gone() const { return closed_ || cancelled_ || timedOut_; }

  std::shared_ptr<Http2UpstreamConnection> connection_;
  int32_t id_ = -1;
  http::ResponseHead head_;
  http::HeaderMap trailers_;
  bool headDone_ = false;
  bool headOnly_ = false;
  bool headMalformed_ = false;
  http::ByteQueue in_;  // response body received, not yet read
  bool inEnd_ = false;
  http::ByteQueue out_;  // request body queued, not yet taken by nghttp2
  bool outEnd_ = false;
  bool deferred_ = false;  // nghttp2 waits for resumeData()
  bool closed_ = false;
  bool refused_ = false;
  bool cancelled_ = false;
  bool timedOut_ = false;
  uint32_t resetCode_ = 0;
  core::AsyncSignal wake_;
  boost::asio::steady_timer deadline_;
};

}  // namespace portico::upstream
