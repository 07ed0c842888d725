// Where a response goes: the HTTP/1.1 connection's socket (Http1Downstream) or one HTTP/2
// stream (Http2Stream). UpstreamExchange writes through it, so the router's I/O is the same
// for both protocols. Every call may suspend for backpressure; false means the client is gone.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

#include "portico/http/response_head.h"

namespace portico::core {

class DownstreamSink {
 public:
  virtual ~DownstreamSink() = default;

  // "100 Continue" for a client that waits for it before sending the body.
  virtual boost::asio::awaitable<bool> sendContinue() = 0;
  // The final response head, already through the filter chain. `noBody`: nothing follows
  // (HEAD, 204, 304), the response is complete.
  virtual boost::asio::awaitable<bool> sendHead(http::ResponseHead& head, bool noBody) = 0;
  // One piece of the response body; `last` completes the response. Returns once the piece
  // is queued within the protocol's limits (socket written, or HTTP/2 window and buffer).
  virtual boost::asio::awaitable<bool> sendBody(std::string_view data, bool last) = 0;
  // Completes a response whose body was sent with `last` false, with trailers (gRPC's
  // grpc-status): HTTP/2 sends them as a HEADERS frame, chunked HTTP/1.1 after the last
  // chunk; a response with a Content-Length cannot carry them and just ends.
  virtual boost::asio::awaitable<bool> sendTrailers(const http::HeaderMap& trailers) = 0;
  // The client may send its request body while the response streams (HTTP/2): the
  // exchange then pumps both directions at once, as gRPC's bidirectional calls need.
  virtual bool fullDuplex() const { return false; }
  // The response cannot be completed (the upstream failed mid-body): the client must see
  // a truncated response, never a complete-looking one.
  virtual boost::asio::awaitable<void> abortResponse() = 0;
  // After sendHead(): the connection may carry another request.
  virtual bool keepAlive() const = 0;
  // The client abandoned the request (an HTTP/2 stream it reset): upstream work may stop.
  // HTTP/1.1 notices a gone client only when writing to it.
  virtual bool clientGone() const { return false; }
  // `cancel` runs once if the client abandons the request while it is set; an empty
  // function clears it.
  virtual void onClientGone(std::function<void()> cancel) { (void)cancel; }
};

}  // namespace portico::core
