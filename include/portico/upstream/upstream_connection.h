// One HTTP/1.1 connection to an upstream host, with the response reader that owns its
// read buffer. Owned by exactly one UpstreamExchange while in use, by the host's
// ConnectionPool while idle.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include "portico/http/http1_response_reader.h"
#include "portico/upstream/circuit_breaker.h"

namespace portico::upstream {

class UpstreamConnection {
 public:
  using Clock = std::chrono::steady_clock;

  explicit UpstreamConnection(const boost::asio::any_io_executor& executor)
      : socket_(executor), reader_(socket_) {}

  // Connects within `timeout`; on failure returns the error and no connection. Arguments
  // are taken by value: a coroutine must not hold references to its caller's temporaries.
  static boost::asio::awaitable<
      std::pair<boost::system::error_code, std::unique_ptr<UpstreamConnection>>>
  connect(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
          std::chrono::milliseconds timeout);

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  http::Http1ResponseReader& reader() { return reader_; }

  // True when the upstream closed the idle connection (FIN or RST seen) or sent bytes
  // nobody asked for: such a connection must not carry another request.
  bool closedWhileIdle();

  Clock::time_point idleSince;
  uint32_t requestsServed = 0;
  // The cluster's circuit-breaker unit for this connection, freed when it closes.
  CircuitBreaker::Slot breakerSlot;

 private:
  boost::asio::ip::tcp::socket socket_;
  http::Http1ResponseReader reader_;
};

}  // namespace portico::upstream
