// One scrape's view of the gateway internals, in Envoy's stat names: downstream
// connections and requests, upstream connections and requests per cluster and host, and
// the request metrics. Each Worker fills one on its own thread (Worker::collectStats);
// the admin thread merges them and writes them, or renders /clusters from them.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "portico/stats/request_metrics.h"
#include "portico/stats/stats_writer.h"

namespace portico::ratelimit {
class RateLimitRegistry;
}
namespace portico::tls {
struct TlsStats;
}

namespace portico::stats {

struct UpstreamHostStats {
  uint64_t cxActive = 0;       // idle in the pool plus carrying a request
  uint64_t cxTotal = 0;        // connections established
  uint64_t cxConnectFail = 0;  // connection attempts that failed or timed out
  uint64_t cxReused = 0;       // requests sent on a pooled connection
  uint64_t rqActive = 0;
  uint64_t rqTotal = 0;
  uint64_t rqPending = 0;  // waiting for a connection to be established
  uint32_t weight = 1;
  // Outlier detection decides per worker: the workers (0..N) that have the host ejected
  // now, and the ejections they enforced.
  uint64_t outlierEjected = 0;
  uint64_t outlierEjectionsEnforced = 0;

  void merge(const UpstreamHostStats& o);
};

// A cluster's circuit-breaker overflows (Envoy's names, without the prefix).
struct CircuitBreakerStats {
  uint64_t cxOverflow = 0;         // upstream_cx_overflow
  uint64_t rqPendingOverflow = 0;  // upstream_rq_pending_overflow
  uint64_t retryOverflow = 0;      // upstream_rq_retry_overflow

  void merge(const CircuitBreakerStats& o) {
    cxOverflow += o.cxOverflow;
    rqPendingOverflow += o.rqPendingOverflow;
    retryOverflow += o.retryOverflow;
  }
};

struct GatewayStats {
  uint64_t downstreamCxTotal = 0;
  uint64_t downstreamCxActive = 0;
  uint64_t downstreamRqActive = 0;
  uint64_t http2StreamsTotal = 0;   // HTTP/2 streams opened by clients (h2 and h2c)
  uint64_t http2StreamsActive = 0;
  uint64_t webSocketUpgradesTotal = 0;  // 101 answers that became tunnels
  uint64_t webSocketActive = 0;         // tunnels open now
  // cluster name -> host "ip:port" -> stats. Counters start again when a worker rebuilds a
  // cluster after a config change, as Envoy's do for a replaced cluster.
  std::map<std::string, std::map<std::string, UpstreamHostStats>, std::less<>> clusters;
  std::map<std::string, CircuitBreakerStats, std::less<>> circuitBreakers;  // by cluster
  RequestMetrics requests;

  void merge(const GatewayStats& other);
  void write(StatsWriter& writer) const;
  // Envoy's /clusters text: `cluster::host:port::stat::value` lines.
  std::string clustersText() const;
};

// Ready-made sources for the counters other components own, to be registered with the
// server's StatsRegistry where those components are wired (rate limiting, TLS listeners).
void writeRateLimitStats(StatsWriter& writer, const ratelimit::RateLimitRegistry& registry);
void writeTlsStats(StatsWriter& writer, uint16_t port, const tls::TlsStats& stats);

}  // namespace portico::stats
