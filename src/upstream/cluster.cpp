#include "portico/upstream/cluster.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::upstream {
namespace asio = boost::asio;

namespace {
constexpr std::size_t kDefaultMaxIdlePerHost = 1024;
}

Cluster::Cluster(asio::any_io_executor executor, ClusterConfig config)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      lb_(config_.lbPolicy),
      breaker_(std::make_shared<CircuitBreaker>(
          executor_, CircuitBreaker::Limits{config_.maxConnections, config_.maxPendingRequests,
                                            config_.maxRequests, config_.maxRetries})) {
  for (const EndpointConfig& ep : config_.endpoints) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(ep.address, ec);
    if (ec) {
      needsDns_ = true;
      continue;
    }
    uint16_t port = ep.port ? ep.port : config_.port;
    hosts_.push_back(makeHost(asio::ip::tcp::endpoint(address, port), ep.weight));
  }
  resolved_ = !needsDns_;
  if (config_.outlierDetection) outlier_.emplace(*config_.outlierDetection);
}

std::shared_ptr<Host> Cluster::chooseHost(const std::vector<const Host*>& excluded,
                                          std::mt19937& rng) {
  if (!outlier_) return lb_.choose(hosts_, excluded, rng);
  outlier_->restoreDue(hosts_, std::chrono::steady_clock::now());
  if (OutlierDetector::ejectedCount(hosts_) == 0 || outlier_->panic(hosts_)) {
    return lb_.choose(hosts_, excluded, rng);
  }
  std::vector<std::shared_ptr<Host>> healthy;
  healthy.reserve(hosts_.size());
  for (const auto& h : hosts_) {
    if (!h->outlier.ejected) healthy.push_back(h);
  }
  // Every host ejected and no panic threshold: "no healthy upstream", as Envoy answers.
  return lb_.choose(healthy, excluded, rng);
}

std::shared_ptr<Host> Cluster::makeHost(const asio::ip::tcp::endpoint& ep, uint32_t weight) {
  std::size_t maxIdle = config_.maxConnections ? config_.maxConnections : kDefaultMaxIdlePerHost;
  return std::make_shared<Host>(ep, weight, maxIdle, config_.idleTimeout);
}

void Cluster::closeIdle() {
  for (auto& h : hosts_) {
    h->pool.clear();
    h->http2.closeAll();
  }
}

asio::awaitable<void> Cluster::ensureHosts() {
  if (!needsDns_) co_return;
  if (!resolved_) {
    co_await resolve();
    co_return;
  }
  if (!resolving_ && std::chrono::steady_clock::now() - resolvedAt_ > kDnsRefresh) {
    asio::co_spawn(
        executor_, [self = shared_from_this()]() { return self->resolve(); }, asio::detached);
  }
}

asio::awaitable<void> Cluster::resolve() {
  resolving_ = true;
  asio::ip::tcp::resolver resolver(executor_);
  std::vector<std::shared_ptr<Host>> fresh;
  bool anyFailed = false;
  for (const EndpointConfig& ep : config_.endpoints) {
    uint16_t port = ep.port ? ep.port : config_.port;
    boost::system::error_code literal;
    auto address = asio::ip::make_address(ep.address, literal);
    if (!literal) {
      fresh.push_back(makeHost(asio::ip::tcp::endpoint(address, port), ep.weight));
      continue;
    }
    auto [ec, results] = co_await resolver.async_resolve(ep.address, std::to_string(port),
                                                         asio::as_tuple(asio::use_awaitable));
    if (ec) {
      anyFailed = true;
      spdlog::warn("cluster {}: resolving {} failed: {}", config_.name, ep.address, ec.message());
      continue;
    }
    for (const auto& r : results) {
      // LOGICAL_DNS uses only the first address, as Envoy does.
      fresh.push_back(makeHost(r.endpoint(), ep.weight));
      if (config_.discovery == ClusterConfig::Discovery::kLogicalDns) break;
    }
  }
  // Keep hosts (and their warm pools) whose address did not change.
  for (auto& h : fresh) {
    for (auto& old : hosts_) {
      if (old->endpoint == h->endpoint) {
        h = old;
        break;
      }
    }
  }
  if (!fresh.empty() || !anyFailed) hosts_ = std::move(fresh);
  resolved_ = true;
  resolving_ = false;
  resolvedAt_ = std::chrono::steady_clock::now();
}

}  // namespace portico::upstream
