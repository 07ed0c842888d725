// The circuit-breaker gate in front of a new HTTP/1.1 upstream connection: open one if
// maxConnections allows, else wait as a pending request (if maxPendingRequests allows) for
// a connection of the cluster to go idle or close, then take the idle one or open anew.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "portico/upstream/circuit_breaker.h"
#include "portico/upstream/host.h"
#include "portico/upstream/upstream_connection.h"

namespace portico::upstream {

struct ConnectionAdmission {
  enum class Outcome { kOpen, kIdle, kOverflow, kTimeout, kAbandoned };
  Outcome outcome = Outcome::kOverflow;
  CircuitBreaker::Slot slot;                 // kOpen: move into the new connection
  std::unique_ptr<UpstreamConnection> idle;  // kIdle: a pooled connection freed meanwhile
};

// `mayReuse`: an idle pooled connection will do (not for upgrades or stale-connection
// retries). `deadline` bounds the wait (connect timeout, route timeout); `abandoned` (the
// client left; the caller wakes the breaker's waiters when it does) ends it early.
boost::asio::awaitable<ConnectionAdmission> admitHttp1Connection(
    CircuitBreaker& breaker, std::shared_ptr<Host> host, bool mayReuse,
    std::chrono::steady_clock::time_point deadline, std::function<bool()> abandoned);

}  // namespace portico::upstream
