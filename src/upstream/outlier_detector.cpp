#include "portico/upstream/outlier_detector.h"

#include <algorithm>

namespace portico::upstream {

namespace {
// Envoy's defaults where Istio leaves a field unset.
constexpr uint32_t kDefaultLocalOriginFailures = 5;
constexpr int32_t kDefaultMaxEjectionPercent = 10;

bool gatewayError(unsigned status) { return status == 502 || status == 503 || status == 504; }
}  // namespace

OutlierDetector::OutlierDetector(const config::OutlierDetection& config)
    : consecutive5xx_(config.consecutive5xxErrors),
      consecutiveGateway_(config.consecutiveGatewayErrors.value_or(0)),
      consecutiveLocalOrigin_(config.splitExternalLocalOriginErrors
                                  ? config.consecutiveLocalOriginFailures.value_or(
                                        kDefaultLocalOriginFailures)
                                  : 0),
      split_(config.splitExternalLocalOriginErrors),
      interval_(std::max(config.interval, config::Duration(1))),
      baseEjectionTime_(config.baseEjectionTime),
      // Istio copies maxEjectionPercent only when it is > 0: 0 keeps Envoy's 10%.
      maxEjectionPercent_(config.maxEjectionPercent > 0 ? config.maxEjectionPercent
                                                        : kDefaultMaxEjectionPercent),
      minHealthPercent_(config.minHealthPercent) {}

void OutlierDetector::reportStatus(Host& host, unsigned status, const Hosts& hosts,
                                   Clock::time_point now) {
  // An answer means the connection worked.
  reportLocalSuccess(host);
  countHttpStatus(host, status, hosts, now);
}

void OutlierDetector::reportLocalFailure(Host& host, LocalFailure failure, const Hosts& hosts,
                                         Clock::time_point now) {
  if (!split_) {
    // Envoy maps them to the answer it gives the client: 504 for a timeout, 503 otherwise.
    countHttpStatus(host, failure == LocalFailure::kTimeout ? 504 : 503, hosts, now);
    return;
  }
  HostOutlierState& s = host.outlier;
  if (++s.consecutiveLocalOriginFailures == consecutiveLocalOrigin_) {
    s.consecutiveLocalOriginFailures = 0;
    eject(host, hosts, now);
  }
}

void OutlierDetector::reportLocalSuccess(Host& host) {
  if (split_) host.outlier.consecutiveLocalOriginFailures = 0;
}

void OutlierDetector::countHttpStatus(Host& host, unsigned status, const Hosts& hosts,
                                      Clock::time_point now) {
  HostOutlierState& s = host.outlier;
  if (status < 500 || status > 599) {
    s.consecutive5xx = 0;
    s.consecutiveGatewayErrors = 0;
    return;
  }
  bool trip = false;
  if (gatewayError(status)) {
    if (++s.consecutiveGatewayErrors == consecutiveGateway_) trip = true;
  } else {
    s.consecutiveGatewayErrors = 0;
  }
  if (++s.consecutive5xx == consecutive5xx_) trip = true;
  if (trip) {
    // Counting starts again whether or not maxEjectionPercent lets the ejection happen.
    s.consecutive5xx = 0;
    s.consecutiveGatewayErrors = 0;
    eject(host, hosts, now);
  }
}

void OutlierDetector::eject(Host& host, const Hosts& hosts, Clock::time_point now) {
  HostOutlierState& s = host.outlier;
  if (s.ejected) return;
  // Envoy ejects only while (ejected + 1) / hosts stays within the percentage, so with
  // the default 10% a cluster of fewer than 10 hosts ejects nothing.
  const std::size_t total = std::max<std::size_t>(hosts.size(), 1);
  const double share = 100.0 * static_cast<double>(ejectedCount(hosts) + 1) /
                       static_cast<double>(total);
  if (share > static_cast<double>(maxEjectionPercent_)) {
    ++ejectionsOverflow_;
    return;
  }
  // The multiplier decays by one per interval the host stayed healthy once it had been
  // back for baseEjectionTime (Envoy decrements it on each interval sweep).
  if (s.restoredAt && now - *s.restoredAt >= baseEjectionTime_) {
    auto healthyTicks = 1 + (now - *s.restoredAt - baseEjectionTime_) / interval_;
    s.ejectionMultiplier -= static_cast<uint32_t>(
        std::min<int64_t>(s.ejectionMultiplier, static_cast<int64_t>(healthyTicks)));
  }
  ++s.ejectionMultiplier;
  auto cap = std::max<Clock::duration>(kMaxEjectionTime, baseEjectionTime_);
  const bool capped = baseEjectionTime_.count() <= 0 ||
                      s.ejectionMultiplier >= cap / std::max<Clock::duration>(baseEjectionTime_,
                                                                             Clock::duration(1));
  s.ejectedFor = capped ? (baseEjectionTime_.count() <= 0 ? Clock::duration(0) : cap)
                        : baseEjectionTime_ * s.ejectionMultiplier;
  s.ejected = true;
  s.ejectedAt = now;
  ++s.ejectionsEnforced;
  ++ejectionsEnforced_;
  nextRestore_ = std::min(nextRestore_, now + s.ejectedFor);
}

void OutlierDetector::restoreDue(const Hosts& hosts, Clock::time_point now) {
  if (now < nextRestore_) return;
  nextRestore_ = Clock::time_point::max();
  for (const auto& h : hosts) {
    HostOutlierState& s = h->outlier;
    if (!s.ejected) continue;
    if (now - s.ejectedAt >= s.ejectedFor) {
      s.ejected = false;
      s.restoredAt = now;
      s.consecutive5xx = 0;
      s.consecutiveGatewayErrors = 0;
      s.consecutiveLocalOriginFailures = 0;
    } else {
      nextRestore_ = std::min(nextRestore_, s.ejectedAt + s.ejectedFor);
    }
  }
}

bool OutlierDetector::panic(const Hosts& hosts) const {
  if (minHealthPercent_ <= 0 || hosts.empty()) return false;
  const std::size_t healthy = hosts.size() - ejectedCount(hosts);
  return 100 * healthy < static_cast<std::size_t>(minHealthPercent_) * hosts.size();
}

std::size_t OutlierDetector::ejectedCount(const Hosts& hosts) {
  return static_cast<std::size_t>(std::count_if(
      hosts.begin(), hosts.end(), [](const auto& h) { return h->outlier.ejected; }));
}

}  // namespace portico::upstream
