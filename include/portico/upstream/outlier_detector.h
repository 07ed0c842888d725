// Passive health checking of a cluster's hosts on one worker, as Envoy's outlier detection
// does it when Istio configures it from DestinationRule.trafficPolicy.outlierDetection:
// consecutive 5xx, consecutive gateway errors (502/503/504) and, with
// splitExternalLocalOriginErrors, consecutive local-origin failures (connect failure,
// timeout, reset) eject a host for baseEjectionTime x (times ejected), capped by
// maxEjectionPercent; below minHealthPercent healthy hosts the balancer ignores ejection.
// Ejection happens inline when the threshold is reached; restoration is checked lazily
// when a host is chosen, not on an interval timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "portico/config/destination_rule.h"
#include "portico/upstream/host.h"

namespace portico::upstream {

class OutlierDetector {
 public:
  using Clock = std::chrono::steady_clock;
  using Hosts = std::vector<std::shared_ptr<Host>>;
  // Failures Envoy calls local-origin: they happen at the gateway, not in an answer.
  enum class LocalFailure { kConnectFailed, kTimeout, kReset };
  // Envoy's max_ejection_time default: the multiplied ejection time never exceeds it
  // (nor baseEjectionTime, when that is larger).
  static constexpr std::chrono::seconds kMaxEjectionTime{300};

  explicit OutlierDetector(const config::OutlierDetection& config);

  // The upstream answered with `status` (each try counts, retried or not).
  void reportStatus(Host& host, unsigned status, const Hosts& hosts, Clock::time_point now);
  void reportLocalFailure(Host& host, LocalFailure failure, const Hosts& hosts,
                          Clock::time_point now);
  // A connection (or stream) to the host carried a request: resets the local-origin count
  // when local-origin failures are counted separately.
  void reportLocalSuccess(Host& host);

  // Brings back hosts whose ejection time has passed. Cheap when none is due.
  void restoreDue(const Hosts& hosts, Clock::time_point now);
  // True when fewer than minHealthPercent of the hosts are healthy: the balancer then
  // uses every host, ejected or not (Envoy's panic threshold).
  bool panic(const Hosts& hosts) const;
  static std::size_t ejectedCount(const Hosts& hosts);

  uint64_t ejectionsEnforced() const { return ejectionsEnforced_; }
  // Ejections maxEjectionPercent prevented (Envoy's ejections_overflow).
  uint64_t ejectionsOverflow() const { return ejectionsOverflow_; }

 private:
  void countHttpStatus(Host& host, unsigned status, const Hosts& hosts, Clock::time_point now);
  void eject(Host& host, const Hosts& hosts, Clock::time_point now);

  uint32_t consecutive5xx_;
  uint32_t consecutiveGateway_;
  uint32_t consecutiveLocalOrigin_;
  bool split_;
  Clock::duration interval_;
  Clock::duration baseEjectionTime_;
  int32_t maxEjectionPercent_;
  int32_t minHealthPercent_;
  Clock::time_point nextRestore_ = Clock::time_point::max();
  uint64_t ejectionsEnforced_ = 0;
  uint64_t ejectionsOverflow_ = 0;
};

}  // namespace portico::upstream
