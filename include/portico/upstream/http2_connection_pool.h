// The HTTP/2 connections to one upstream host, per worker (so no lock). A request takes a
// stream on the first connection with room for one; a new connection is opened only when
// all are full, so concurrent requests share a connection even while it is still
// connecting, as Envoy's HTTP/2 pool does.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "portico/upstream/http2_upstream_connection.h"

namespace portico::upstream {

class Http2ConnectionPool {
 public:
  explicit Http2ConnectionPool(std::chrono::milliseconds idleTimeout)
      : idleTimeout_(idleTimeout) {}

  // A connection with a stream promised to the caller (Http2UpstreamConnection::promise),
  // and whether it was opened for this request.
  struct Lease {
    std::shared_ptr<Http2UpstreamConnection> connection;
    bool fresh = false;
  };
  Lease acquire(const boost::asio::any_io_executor& executor,
                const boost::asio::ip::tcp::endpoint& endpoint,
                std::chrono::milliseconds connectTimeout, uint32_t maxRequestsPerConnection);

  // Drops closed connections and closes those idle past the idle timeout.
  void sweep();
  // Shutdown: idle connections close, busy ones finish their streams first.
  void closeAll();
  std::size_t size() const { return connections_.size(); }

 private:
  std::chrono::milliseconds idleTimeout_;
  std::vector<std::shared_ptr<Http2UpstreamConnection>> connections_;
};

}  // namespace portico::upstream
