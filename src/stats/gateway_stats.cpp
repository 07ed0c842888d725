#include "portico/stats/gateway_stats.h"

#include <array>
#include <utility>

#include "portico/ratelimit/rate_limit_registry.h"
#include "portico/tls/tls_stats.h"

namespace portico::stats {

void UpstreamHostStats::merge(const UpstreamHostStats& o) {
  cxActive += o.cxActive;
  cxTotal += o.cxTotal;
  cxConnectFail += o.cxConnectFail;
  cxReused += o.cxReused;
  rqActive += o.rqActive;
  rqTotal += o.rqTotal;
  rqPending += o.rqPending;
  weight = o.weight;
  outlierEjected += o.outlierEjected;
  outlierEjectionsEnforced += o.outlierEjectionsEnforced;
}

void GatewayStats::merge(const GatewayStats& other) {
  downstreamCxTotal += other.downstreamCxTotal;
  http2StreamsTotal += other.http2StreamsTotal;
  http2StreamsActive += other.http2StreamsActive;
  downstreamCxActive += other.downstreamCxActive;
  downstreamRqActive += other.downstreamRqActive;
  webSocketUpgradesTotal += other.webSocketUpgradesTotal;
  webSocketActive += other.webSocketActive;
  for (const auto& [cluster, hosts] : other.clusters) {
    auto& mine = clusters[cluster];
    for (const auto& [address, host] : hosts) mine[address].merge(host);
  }
  for (const auto& [cluster, breaker] : other.circuitBreakers) {
    circuitBreakers[cluster].merge(breaker);
  }
  requests.merge(other.requests);
}

void GatewayStats::write(StatsWriter& w) const {
  w.counter("envoy_http_downstream_cx_total", "Downstream connections accepted.", {},
            downstreamCxTotal);
  w.gauge("envoy_http_downstream_cx_active", "Downstream connections open.", {},
          static_cast<double>(downstreamCxActive));
  w.gauge("envoy_http_downstream_rq_active", "Downstream requests being served.", {},
          static_cast<double>(downstreamRqActive));
  w.counter("envoy_http_downstream_rq_http2_total", "HTTP/2 streams clients opened.", {},
            http2StreamsTotal);
  w.gauge("portico_http2_streams_active", "HTTP/2 streams being served.", {},
          static_cast<double>(http2StreamsActive));
  w.counter("portico_websocket_upgrades_total", "WebSocket upgrades accepted (101) and tunnelled.",
            {}, webSocketUpgradesTotal);
  w.gauge("portico_websocket_active", "WebSocket tunnels open.", {},
          static_cast<double>(webSocketActive));
  for (const auto& [cluster, hosts] : clusters) {
    UpstreamHostStats sum;
    for (const auto& [address, host] : hosts) sum.merge(host);
    std::array<std::pair<std::string_view, std::string_view>, 1> labels{
        {{"cluster_name", cluster}}};
    w.counter("envoy_cluster_upstream_cx_total", "Upstream connections established.", labels,
              sum.cxTotal);
    w.gauge("envoy_cluster_upstream_cx_active", "Upstream connections open (idle or busy).", labels,
            static_cast<double>(sum.cxActive));
    w.counter("envoy_cluster_upstream_cx_connect_fail", "Upstream connection failures.", labels,
              sum.cxConnectFail);
    w.counter("portico_cluster_upstream_cx_reused_total",
              "Upstream requests sent on a pooled keep-alive connection.", labels, sum.cxReused);
    w.counter("envoy_cluster_upstream_rq_total", "Upstream requests sent (tries).", labels,
              sum.rqTotal);
    w.gauge("envoy_cluster_upstream_rq_active", "Upstream requests in flight.", labels,
            static_cast<double>(sum.rqActive));
    w.gauge("envoy_cluster_upstream_rq_pending_active",
            "Upstream requests waiting for a connection.", labels,
            static_cast<double>(sum.rqPending));
    CircuitBreakerStats breaker;
    if (auto it = circuitBreakers.find(cluster); it != circuitBreakers.end()) breaker = it->second;
    w.counter("envoy_cluster_upstream_cx_overflow",
              "Connections refused by the maxConnections circuit breaker.", labels,
              breaker.cxOverflow);
    w.counter("envoy_cluster_upstream_rq_pending_overflow",
              "Requests failed with 503 UO by the pending or request circuit breakers.", labels,
              breaker.rqPendingOverflow);
    w.counter("envoy_cluster_upstream_rq_retry_overflow",
              "Retries not attempted because of the maxRetries circuit breaker.", labels,
              breaker.retryOverflow);
    w.gauge("envoy_cluster_outlier_detection_ejections_active",
            "Hosts ejected by outlier detection now (per worker: a host ejected by two workers "
            "counts twice).",
            labels, static_cast<double>(sum.outlierEjected));
    w.counter("envoy_cluster_outlier_detection_ejections_enforced_total",
              "Ejections enforced by outlier detection (summed over workers).", labels,
              sum.outlierEjectionsEnforced);
  }
  requests.write(w);
  // HTTP/2 stream counters (envoy_http_downstream_rq_http2_total, ...) belong here once the
  // HTTP/2 codec is wired into DownstreamConnection.
}

std::string GatewayStats::clustersText() const {
  std::string out;
  auto line = [&out](std::string_view cluster, std::string_view host, std::string_view stat,
                     std::string_view value) {
    out.append(cluster).append("::").append(host).append("::").append(stat).append("::");
    out.append(value).push_back('\n');
  };
  for (const auto& [cluster, hosts] : clusters) {
    for (const auto& [address, h] : hosts) {
      line(cluster, address, "cx_active", std::to_string(h.cxActive));
      line(cluster, address, "cx_connect_fail", std::to_string(h.cxConnectFail));
      line(cluster, address, "cx_total", std::to_string(h.cxTotal));
      line(cluster, address, "rq_active", std::to_string(h.rqActive));
      line(cluster, address, "rq_total", std::to_string(h.rqTotal));
      line(cluster, address, "weight", std::to_string(h.weight));
      // No active health checking; outlier detection ejects per worker, so a host is shown
      // ejected when any worker has it ejected.
      line(cluster, address, "health_flags", h.outlierEjected > 0 ? "/failed_outlier_check" : "healthy");
    }
  }
  return out;
}

void writeRateLimitStats(StatsWriter& w, const ratelimit::RateLimitRegistry& registry) {
  for (const auto& limit : registry.limitStats()) {
    std::array<std::pair<std::string_view, std::string_view>, 1> labels{{{"limit", limit.name}}};
    w.counter("portico_ratelimit_admitted_total", "Requests a rate limit admitted.", labels,
              limit.admitted);
    w.counter("portico_ratelimit_limited_total", "Requests a rate limit rejected (429).", labels,
              limit.limited);
    w.counter("portico_ratelimit_failure_mode_total",
              "Decisions taken by failureMode because the backend was unavailable.", labels,
              limit.failureModeDecisions);
    w.gauge("portico_ratelimit_keys", "Live keyed buckets of a limit.", labels,
            static_cast<double>(limit.keys));
  }
  const auto& redis = registry.redisMetrics();
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  w.counter("portico_ratelimit_redis_calls_total", "Redis round trips.", {}, load(redis.calls));
  w.counter("portico_ratelimit_redis_errors_total", "Redis errors and lost connections.", {},
            load(redis.errors));
  w.counter("portico_ratelimit_redis_timeouts_total", "Redis calls answered by failureMode.", {},
            load(redis.timeouts));
  // Round-trip latency, cumulative buckets in milliseconds (Istio's duration unit).
  constexpr std::size_t kBounds = ratelimit::RedisMetrics::kLatencyBoundsMicros.size();
  std::array<double, kBounds> bounds{};
  std::array<uint64_t, kBounds> cumulative{};
  uint64_t running = 0;
  for (std::size_t i = 0; i < kBounds; ++i) {
    bounds[i] = static_cast<double>(ratelimit::RedisMetrics::kLatencyBoundsMicros[i]) / 1000.0;
    running += load(redis.latencyBuckets[i]);
    cumulative[i] = running;
  }
  HistogramView latency;
  latency.bounds = bounds;
  latency.counts = cumulative;
  latency.count = running + load(redis.latencyBuckets[kBounds]);
  latency.sum = static_cast<double>(load(redis.latencySumMicros)) / 1000.0;
  w.histogram("portico_ratelimit_redis_latency_milliseconds", "Redis round-trip latency.", {},
              latency);
}

void writeTlsStats(StatsWriter& w, uint16_t port, const tls::TlsStats& stats) {
  std::string portText = std::to_string(port);
  std::array<std::pair<std::string_view, std::string_view>, 1> labels{{{"port", portText}}};
  stats.forEach([&](std::string_view name, uint64_t value) {
    std::string metric = "portico_tls_";
    metric.append(name).append("_total");
    w.counter(metric, "TLS listener counter (see docs/metrics.md).", labels, value);
  });
}

}  // namespace portico::stats
