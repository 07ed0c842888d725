// A cluster's live state on one worker: the resolved hosts (static IPs, or DNS names
// resolved asynchronously and refreshed), the load balancer and, through the hosts, the
// connection pools. Built from an immutable ClusterConfig by the worker's ClusterManager.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "portico/upstream/circuit_breaker.h"
#include "portico/upstream/cluster_config.h"
#include "portico/upstream/host.h"
#include "portico/upstream/load_balancer.h"
#include "portico/upstream/outlier_detector.h"

namespace portico::upstream {

class Cluster : public std::enable_shared_from_this<Cluster> {
 public:
  // How often DNS names are re-resolved (Envoy's dns_refresh_rate default).
  static constexpr std::chrono::seconds kDnsRefresh{5};

  Cluster(boost::asio::any_io_executor executor, ClusterConfig config);

  const ClusterConfig& config() const { return config_; }
  CircuitBreaker& breaker() { return *breaker_; }
  const CircuitBreaker& breaker() const { return *breaker_; }
  // Resolves on first use (waits), then refreshes in the background when due.
  boost::asio::awaitable<void> ensureHosts();
  // Ejected hosts (outlier detection) are skipped unless too few hosts are healthy.
  std::shared_ptr<Host> chooseHost(const std::vector<const Host*>& excluded, std::mt19937& rng);
  // Each try's outcome, for outlier detection (no-ops without it).
  void reportStatus(Host& host, unsigned status) {
    if (outlier_) outlier_->reportStatus(host, status, hosts_, std::chrono::steady_clock::now());
  }
  void reportLocalFailure(Host& host, OutlierDetector::LocalFailure failure) {
    if (outlier_) {
      outlier_->reportLocalFailure(host, failure, hosts_, std::chrono::steady_clock::now());
    }
  }
  const OutlierDetector* outlierDetector() const { return outlier_ ? &*outlier_ : nullptr; }
  // Restoration is lazy (at choose time); stats and the idle sweep call this too so
  // /clusters does not show a host ejected after its time passed.
  void restoreEjected() {
    if (outlier_) outlier_->restoreDue(hosts_, std::chrono::steady_clock::now());
  }
  const std::vector<std::shared_ptr<Host>>& hosts() const { return hosts_; }
  // Closes idle pooled connections (shutdown).
  void closeIdle();
  // A reload re-resolves DNS names on the next request instead of waiting for kDnsRefresh.
  void refreshDns() { resolvedAt_ = {}; }
  void sweepIdle() {
    restoreEjected();
    for (auto& h : hosts_) {
      h->pool.sweep();
      h->http2.sweep();
    }
  }

 private:
  boost::asio::awaitable<void> resolve();
  std::shared_ptr<Host> makeHost(const boost::asio::ip::tcp::endpoint& ep, uint32_t weight);

  boost::asio::any_io_executor executor_;
  ClusterConfig config_;
  LoadBalancer lb_;
  // Shared with the slots it hands out: a connection may outlive a replaced cluster.
  std::shared_ptr<CircuitBreaker> breaker_;
  std::optional<OutlierDetector> outlier_;
  std::vector<std::shared_ptr<Host>> hosts_;
  bool needsDns_ = false;
  bool resolved_ = false;
  bool resolving_ = false;
  std::chrono::steady_clock::time_point resolvedAt_;
};

}  // namespace portico::upstream
