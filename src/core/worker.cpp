#include "portico/core/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <mutex>

#include "portico/core/downstream_connection.h"
#include "portico/core/listener.h"
#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/redis_rate_limiter.h"

namespace portico::core {
namespace asio = boost::asio;

Worker::Worker(unsigned id, SnapshotStore& store, const ServerOptions& options,
               AccessLog& accessLog, ratelimit::RedisMetrics* redisMetrics)
    : id_(id),
      store_(store),
      options_(options),
      accessLog_(accessLog),
      context_(std::make_unique<asio::io_context>(1)),
      clusters_(context_->get_executor()),
      redisLimiter_(std::make_unique<ratelimit::RedisRateLimiter>(
          *context_, redisMetrics ? *redisMetrics : ownRedisMetrics_)),
      rng_(std::random_device{}() ^ (id * 0x9e3779b9u)),
      snapshot_(store.current()) {}

Worker::~Worker() {
  stop();
  join();
  // Connection frames (and the clusters they hold) die with the io_context's pending
  // handlers; everything else with a socket must go before the context does.
  listeners_.clear();
  clusters_.clear();
  // Answers requests still waiting on Redis (their streams are alive in suspended frames).
  redisLimiter_.reset();
  context_.reset();
}

bool Worker::listen(const route::Snapshot& snapshot, std::string& error) {
  for (const auto& [port, listener] : snapshot.listeners) {
    auto l = openListener(listener, error);
    if (!l) return false;
    listeners_.push_back(std::move(l));
  }
  return true;
}

std::unique_ptr<Listener> Worker::openListener(const route::Listener& listener,
                                               std::string& error) {
  const std::string& bind = listener.bind.empty() ? options_.bindAddress : listener.bind;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(bind, ec);
  if (ec) {
    error = "invalid bind address " + bind;
    return nullptr;
  }
  auto l = std::make_unique<Listener>(*this, asio::ip::tcp::endpoint(address, listener.port));
  ec = l->open();
  if (ec) {
    error = "cannot listen on " + bind + ":" + std::to_string(listener.port) + ": " + ec.message();
    return nullptr;
  }
  return l;
}

void Worker::apply(route::SnapshotPtr next, std::vector<std::unique_ptr<Listener>> opened,
                   std::vector<uint16_t> removedPorts) {
  // shared_ptr: asio handlers must be copyable, the listeners are not.
  auto fresh = std::make_shared<std::vector<std::unique_ptr<Listener>>>(std::move(opened));
  asio::post(*context_, [this, next = std::move(next), fresh,
                         removed = std::move(removedPorts)]() mutable {
    snapshot_ = std::move(next);
    for (uint16_t port : removed) {
      std::erase_if(listeners_, [&](const std::unique_ptr<Listener>& l) {
        if (l->port() != port) return false;
        l->close();
        return true;
      });
    }
    if (!removed.empty()) {
      // Copy: drain() may end a connection, which detaches it.
      std::vector<DownstreamConnection*> open(connections_.begin(), connections_.end());
      for (DownstreamConnection* c : open) {
        if (!connections_.count(c)) continue;
        if (std::find(removed.begin(), removed.end(), c->listenerPort()) != removed.end()) {
          c->drain();
        }
      }
    }
    if (!draining_) {
      for (auto& l : *fresh) {
        l->start();
        listeners_.push_back(std::move(l));
      }
    }
    clusters_.retain(*snapshot_);
  });
}

std::vector<uint16_t> Worker::localPorts() const {
  std::vector<uint16_t> ports;
  for (const auto& l : listeners_) ports.push_back(l->localPort());
  return ports;
}

asio::awaitable<void> Worker::sweepLoop() {
  asio::steady_timer timer(*context_);
  while (!draining_) {
    timer.expires_after(std::chrono::seconds(5));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    clusters_.sweepIdle();
  }
}

void Worker::warmUpRateLimits(const route::SnapshotPtr& snapshot) {
  if (!snapshot || !snapshot->rateLimits) return;
  asio::post(*context_, [this, addresses = snapshot->rateLimits->redisAddresses()] {
    for (const auto& address : addresses) redisLimiter_->warmUp(address);
  });
}

void Worker::start() {
  for (auto& l : listeners_) l->start();
  warmUpRateLimits(store_.current());
  asio::co_spawn(*context_, sweepLoop(), asio::detached);
  thread_ = std::thread([this] {
    // Keep running while idle: connections arrive through the acceptors.
    auto guard = asio::make_work_guard(*context_);
    context_->run();
  });
}

void Worker::drain() {
  asio::post(*context_, [this] {
    draining_ = true;
    for (auto& l : listeners_) l->close();
    // Copy: drain() may end a connection, which detaches it.
    std::vector<DownstreamConnection*> snapshot(connections_.begin(), connections_.end());
    for (DownstreamConnection* c : snapshot) {
      if (connections_.count(c)) c->drain();
    }
    clusters_.closeIdle();
  });
}

void Worker::stopAccepting() {
  asio::post(*context_, [this] {
    for (auto& l : listeners_) l->close();
  });
}

std::optional<stats::GatewayStats> Worker::collectStats(std::chrono::milliseconds timeout) {
  // Shared with the posted handler: it may run after we gave up waiting.
  struct Handoff {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<stats::GatewayStats> result;
  };
  auto handoff = std::make_shared<Handoff>();
  asio::post(*context_, [this, handoff] {
    stats::GatewayStats s;
    s.downstreamCxTotal = downstreamCxTotal_;
    s.http2StreamsTotal = http2StreamsTotal_;
    s.http2StreamsActive = http2StreamsActive_;
    s.downstreamCxActive = connections_.size();
    for (const DownstreamConnection* c : connections_) s.downstreamRqActive += c->idle() ? 0 : 1;
    for (const auto& [name, cluster] : clusters_.all()) {
      auto& hosts = s.clusters[name];
      const auto& overflow = cluster->breaker().counters;
      s.circuitBreakers[name] = {overflow.cxOverflow, overflow.rqPendingOverflow,
                                 overflow.retryOverflow};
      cluster->restoreEjected();
      for (const auto& host : cluster->hosts()) {
        const auto& c = host->pool.counters;
        stats::UpstreamHostStats& h = hosts[host->address];
        // HTTP/2 hosts multiplex: their requests in flight are streams, not connections.
        h.cxActive = cluster->config().protocol == upstream::ClusterConfig::Protocol::kHttp2
                         ? host->http2.size()
                         : host->pool.idleCount() + host->activeRequests - c.connecting;
        h.cxTotal = c.created;
        h.cxConnectFail = c.connectFail;
        h.cxReused = c.reused;
        h.rqActive = host->activeRequests;
        h.rqTotal = c.requests;
        h.rqPending = c.connecting;
        h.weight = host->weight;
        h.outlierEjected = host->outlier.ejected ? 1 : 0;
        h.outlierEjectionsEnforced = host->outlier.ejectionsEnforced;
      }
    }
    s.requests = requestMetrics_;
    s.webSocketUpgradesTotal = webSocketUpgrades_;
    s.webSocketActive = webSocketActive_;
    std::lock_guard lock(handoff->mutex);
    handoff->result = std::move(s);
    handoff->done.notify_one();
  });
  std::unique_lock lock(handoff->mutex);
  handoff->done.wait_for(lock, timeout, [&] { return handoff->result.has_value(); });
  return std::move(handoff->result);
}

void Worker::stop() {
  if (context_) context_->stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::attach(DownstreamConnection* conn) {
  connections_.insert(conn);
  ++downstreamCxTotal_;
  connectionCount_.fetch_add(1, std::memory_order_relaxed);
}

void Worker::detach(DownstreamConnection* conn) {
  connections_.erase(conn);
  connectionCount_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace portico::core
