// The byte tunnel an HTTP/1.1 WebSocket upgrade becomes once the upstream answered 101:
// the 101 head goes to the client, then bytes are copied both ways unchanged (frames are
// the endpoints' business) until both sides have closed, one side fails, or nothing moved
// for the idle timeout. A FIN from one side is passed on as a half-close where the
// transport allows it (plain TCP; a TLS client's close_notify becomes a FIN upstream, but
// the upstream's FIN ends a TLS tunnel: the connection then sends close_notify).
// Lives on the stack of DownstreamConnection::serve(); owns nothing it is given.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "portico/core/downstream_transport.h"
#include "portico/http/response_head.h"
#include "portico/upstream/upstream_connection.h"

namespace portico::core {

class WebSocketTunnel {
 public:
  struct Result {
    uint64_t bytesUp = 0;    // client to upstream
    uint64_t bytesDown = 0;  // upstream to client, after the 101 head
    bool idleTimedOut = false;
  };

  WebSocketTunnel(DownstreamTransport& client, upstream::UpstreamConnection& upstream,
                  std::chrono::milliseconds idleTimeout)
      : client_(client), upstream_(upstream), idleTimeout_(idleTimeout) {}

  // Writes `head` (a 101) to the client, then tunnels, starting with what the HTTP readers
  // had buffered past the heads (`clientBytes`, `upstreamBytes`); returns when the tunnel is
  // over. The upstream socket is shut down afterwards; the client's is left to its owner
  // (shut down already after a failure or the idle timeout).
  boost::asio::awaitable<Result> run(const http::ResponseHead& head, std::string clientBytes,
                                     std::string upstreamBytes);

 private:
  boost::asio::awaitable<void> clientToUpstream(std::string pending);
  boost::asio::awaitable<void> upstreamToClient(std::string pending);
  boost::asio::awaitable<void> watchIdle();
  void closeBoth();

  DownstreamTransport& client_;
  upstream::UpstreamConnection& upstream_;
  std::chrono::milliseconds idleTimeout_;
  std::chrono::steady_clock::time_point lastActivity_;
  Result result_;
  bool upstreamEnded_ = false;  // TLS client: the upstream's FIN ended the tunnel
};

}  // namespace portico::core
