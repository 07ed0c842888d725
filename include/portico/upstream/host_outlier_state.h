// What outlier detection remembers about one host on one worker: the consecutive-error
// counters and whether (and since when) the host is ejected. Owned by the Host, changed
// only by the cluster's OutlierDetector on the worker's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace portico::upstream {

struct HostOutlierState {
  uint32_t consecutive5xx = 0;
  uint32_t consecutiveGatewayErrors = 0;
  uint32_t consecutiveLocalOriginFailures = 0;
  bool ejected = false;
  // Envoy's eject_time_backoff: the ejection time is base x this; it grows by one per
  // ejection and shrinks by one per interval the host then stays healthy.
  uint32_t ejectionMultiplier = 0;
  uint64_t ejectionsEnforced = 0;
  std::chrono::steady_clock::time_point ejectedAt;
  std::chrono::steady_clock::duration ejectedFor{};
  std::optional<std::chrono::steady_clock::time_point> restoredAt;
};

}  // namespace portico::upstream
