// Idle keep-alive connections to one upstream host, per worker (so no lock). LIFO reuse
// keeps the warmest connection busy and lets the others reach the idle timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "portico/upstream/upstream_connection.h"

namespace portico::upstream {

class ConnectionPool {
 public:
  // Per-host connection counters for /stats and /clusters; worker-thread only, read by the
  // worker itself when a scrape asks (Worker::collectStats).
  struct Counters {
    uint64_t created = 0;      // connections established
    uint64_t connectFail = 0;  // attempts that failed or timed out
    uint64_t reused = 0;       // idle connections handed out again
    uint64_t requests = 0;     // tries sent to this host
    uint64_t connecting = 0;   // tries waiting for a connection now
  };

  ConnectionPool(std::size_t maxIdle, std::chrono::milliseconds idleTimeout)
      : maxIdle_(maxIdle), idleTimeout_(idleTimeout) {}

  // A live idle connection, or nullptr. Expired and upstream-closed ones are dropped.
  std::unique_ptr<UpstreamConnection> takeIdle();
  // Returns a connection whose last response completed cleanly.
  void release(std::unique_ptr<UpstreamConnection> conn);
  void clear() { idle_.clear(); }
  // Closes idle connections past the idle timeout or closed by the upstream, so that they
  // do not linger in CLOSE_WAIT until the next request.
  void sweep();
  std::size_t idleCount() const { return idle_.size(); }
  Counters counters;

 private:
  std::size_t maxIdle_;
  std::chrono::milliseconds idleTimeout_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

}  // namespace portico::upstream
