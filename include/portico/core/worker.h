// One worker: one thread running one io_context, with its own SO_REUSEPORT acceptor per
// listener port, its own downstream connections and its own upstream clusters and pools.
// Nothing here is shared with another worker except the SnapshotStore, the AccessLog and
// the rate-limit registry's atomics, so the request path takes no lock. Each worker owns
// its RedisRateLimiter (Redis connections on this worker's io_context).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "portico/core/access_log.h"
#include "portico/core/server_options.h"
#include "portico/core/snapshot_store.h"
#include "portico/stats/gateway_stats.h"
#include "portico/stats/request_metrics.h"
#include "portico/ratelimit/rate_limit_metrics.h"
#include "portico/upstream/cluster_manager.h"

namespace portico::ratelimit {
class RedisRateLimiter;  // ratelimit/redis_rate_limiter.h (keeps hiredis out of this header)
}

namespace portico::core {

class DownstreamConnection;
class Listener;

class Worker {
 public:
  // `redisMetrics`: where this worker's Redis limiter counts (the process's
  // RateLimitRegistry::redisMetrics()); null: a worker-local set nobody reads.
  Worker(unsigned id, SnapshotStore& store, const ServerOptions& options, AccessLog& accessLog,
         ratelimit::RedisMetrics* redisMetrics = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Binds this worker's acceptors for every listener of `snapshot` (before start()).
  bool listen(const route::Snapshot& snapshot, std::string& error);
  // Main thread: opens (binds) an acceptor for `listener` on this worker's io_context, so a
  // reload learns about a port it cannot bind before anything is published.
  std::unique_ptr<Listener> openListener(const route::Listener& listener, std::string& error);
  // Thread-safe. The worker starts accepting on `opened`, stops accepting on `removedPorts`
  // (their connections finish the request in flight, then close) and serves new streams
  // from `next`. Clusters absent from `next` close their idle connections and go; the
  // others keep their pools (DNS clusters re-resolve).
  void apply(route::SnapshotPtr next, std::vector<std::unique_ptr<Listener>> opened,
             std::vector<uint16_t> removedPorts);
  void start();
  // Thread-safe. Stop accepting; idle connections close now, busy ones after their response.
  void drain();
  // Thread-safe. Close the acceptors only; open connections keep being served (admin
  // POST /drain_listeners, the first step of a drain).
  void stopAccepting();
  // Thread-safe. Runs on the worker thread a copy of its counters and request metrics
  // into a GatewayStats; nullopt when the worker did not answer within `timeout`.
  std::optional<stats::GatewayStats> collectStats(std::chrono::milliseconds timeout);
  // Thread-safe. Close every connection and stop the thread.
  void stop();
  void join();
  // Thread-safe. Connects this worker's Redis limiter to every Redis backend of `snapshot`,
  // so the first rate-limited request does not meet an unconnected client (which would be
  // decided by failureMode). start() does it for the current snapshot; call it again after
  // publishing a new one.
  void warmUpRateLimits(const route::SnapshotPtr& snapshot);
  // Ports this worker's acceptors are bound to, in snapshot order (tests bind port 0).
  std::vector<uint16_t> localPorts() const;
  std::size_t connectionCount() const { return connectionCount_.load(std::memory_order_relaxed); }

  // Worker-thread only.
  boost::asio::io_context& context() { return *context_; }
  SnapshotStore& store() { return store_; }
  // The snapshot new streams on this worker start with: a plain pointer copy, no lock.
  const route::SnapshotPtr& snapshot() const { return snapshot_; }
  const ServerOptions& options() const { return options_; }
  AccessLog& accessLog() { return accessLog_; }
  upstream::ClusterManager& clusters() { return clusters_; }
  ratelimit::RedisRateLimiter& redisLimiter() { return *redisLimiter_; }
  std::mt19937& rng() { return rng_; }
  bool draining() const { return draining_; }
  unsigned id() const { return id_; }
  stats::RequestMetrics& requestMetrics() { return requestMetrics_; }
  void attach(DownstreamConnection* conn);
  void detach(DownstreamConnection* conn);
  // HTTP/2 stream counts (worker thread; summed when /stats is scraped).
  void http2StreamOpened() {
    ++http2StreamsTotal_;
    ++http2StreamsActive_;
  }
  void http2StreamClosed() { --http2StreamsActive_; }
  // A WebSocket tunnel starts (counted as an upgrade) or ends.
  void webSocketOpened() {
    ++webSocketUpgrades_;
    ++webSocketActive_;
  }
  void webSocketClosed() { --webSocketActive_; }

 private:
  // Every few seconds: idle upstream connections that expired or were closed go away.
  boost::asio::awaitable<void> sweepLoop();

  unsigned id_;
  SnapshotStore& store_;
  const ServerOptions& options_;
  AccessLog& accessLog_;
  // Declared first so that it is destroyed last: sockets below need its services.
  std::unique_ptr<boost::asio::io_context> context_;
  upstream::ClusterManager clusters_;
  ratelimit::RedisMetrics ownRedisMetrics_;
  // Destroyed before the io_context: its clients hold descriptors registered with it.
  std::unique_ptr<ratelimit::RedisRateLimiter> redisLimiter_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unordered_set<DownstreamConnection*> connections_;
  std::atomic<std::size_t> connectionCount_{0};
  std::mt19937 rng_;
  route::SnapshotPtr snapshot_;
  bool draining_ = false;
  stats::RequestMetrics requestMetrics_;
  uint64_t downstreamCxTotal_ = 0;
  uint64_t http2StreamsTotal_ = 0;
  uint64_t http2StreamsActive_ = 0;
  uint64_t webSocketUpgrades_ = 0;
  uint64_t webSocketActive_ = 0;
  std::thread thread_;
};

}  // namespace portico::core
