// Envoy's cluster circuit breakers (DestinationRule trafficPolicy.connectionPool) for one
// cluster on one worker: open HTTP/1.1 connections, requests waiting for one, requests and
// retries in flight, held against the ClusterConfig limits (0 = unlimited), plus Envoy's
// overflow counters. Like every data-plane structure it is per worker, so no lock and no
// atomic on the request path: each limit binds each worker thread on its own (with
// --concurrency N, up to N x limit gateway-wide), as Envoy's bind each of its clusters.
//
// Every admitted resource is a Slot (RAII): it gives its unit back when destroyed or
// released, on whatever path the request leaves by. A connection's slot lives in the
// UpstreamConnection itself, so idle pooled connections count too and a connection
// closing anywhere (response done, pool sweep, WebSocket tunnel end) frees its unit and
// wakes the requests waiting for one.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace portico::upstream {

class CircuitBreaker : public std::enable_shared_from_this<CircuitBreaker> {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    uint32_t maxConnections = 0;
    uint32_t maxPendingRequests = 0;
    uint32_t maxRequests = 0;
    uint32_t maxRetries = 0;
  };
  // Envoy's names: upstream_cx_overflow, upstream_rq_pending_overflow (pending or request
  // limit: the request failed with 503 UO), upstream_rq_retry_overflow.
  struct Counters {
    uint64_t cxOverflow = 0;
    uint64_t rqPendingOverflow = 0;
    uint64_t retryOverflow = 0;
  };

  enum class Resource { kConnection, kPending, kRequest, kRetry };

  // One unit of a resource; empty when admission was refused.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    explicit operator bool() const { return breaker_ != nullptr; }
    void release();
    // A connection going back to the pool: waiters may take it.
    void announceIdle() const;

   private:
    friend class CircuitBreaker;
    Slot(std::shared_ptr<CircuitBreaker> breaker, Resource resource, std::string host)
        : breaker_(std::move(breaker)), resource_(resource), host_(std::move(host)) {}

    std::shared_ptr<CircuitBreaker> breaker_;
    Resource resource_ = Resource::kRequest;
    std::string host_;  // kConnection: the host's "ip:port"
  };

  CircuitBreaker(boost::asio::any_io_executor executor, Limits limits)
      : executor_(std::move(executor)), limits_(limits) {}

  // A request (any protocol) about to go upstream; empty, counted as a pending overflow,
  // above maxRequests.
  Slot admitRequest();
  // A retry about to be attempted; empty, counted as a retry overflow, above maxRetries.
  Slot admitRetry();
  // A request starting to wait for a connection; empty, counted as a pending overflow,
  // above maxPendingRequests.
  Slot admitPending();
  // A new connection to `host`: below maxConnections, or when that host has none at all
  // (Envoy opens one anyway, or its pending requests could never be served). Empty,
  // counted as a connection overflow, otherwise.
  Slot admitConnection(const std::string& host);
  bool canOpenConnection(const std::string& host) const;
  // Suspends until a connection closes or goes idle (true) or `deadline` passes (false).
  boost::asio::awaitable<bool> waitForConnection(Clock::time_point deadline);
  // Wakes every waiter early (one whose client left): each re-checks its own state.
  void wakeWaiters();

  const Limits& limits() const { return limits_; }
  uint32_t connections() const { return connections_; }
  uint32_t pending() const { return pending_; }
  uint32_t requests() const { return requests_; }
  uint32_t retries() const { return retries_; }
  Counters counters;

 private:
  void give(Resource resource, const std::string& host);
  static bool below(uint32_t count, uint32_t limit) { return limit == 0 || count < limit; }

  boost::asio::any_io_executor executor_;
  Limits limits_;
  uint32_t connections_ = 0;
  uint32_t pending_ = 0;
  uint32_t requests_ = 0;
  uint32_t retries_ = 0;
  std::map<std::string, uint32_t, std::less<>> hostConnections_;
  std::vector<boost::asio::steady_timer*> waiters_;
};

}  // namespace portico::upstream
