// Rate-limit stats as data: one list per component, plain relaxed atomics that every worker
// bumps and the admin endpoint reads. LimitMetrics lives with a limit's state in the
// registry (so counters survive a reload that keeps the limit); RedisMetrics with the
// registry, shared by every worker's Redis client.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace portico::ratelimit {

// Per limit (RateLimitConfig ns/name + limit name).
struct LimitMetrics {
  std::atomic<uint64_t> admitted{0};
  std::atomic<uint64_t> limited{0};
  // Decided by failureMode because Redis was down or slow (also counted in admitted/limited).
  std::atomic<uint64_t> failureModeDecisions{0};
};

// Redis round-trip latency in fixed buckets (upper bounds, microseconds) plus errors.
struct RedisMetrics {
  static constexpr std::array<uint64_t, 12> kLatencyBoundsMicros = {
      100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000};

  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> errors{0};    // error replies and lost connections
  std::atomic<uint64_t> timeouts{0};  // calls answered by failureMode after `timeout`
  std::atomic<uint64_t> connects{0};  // successful (re)connections
  std::atomic<uint64_t> connectFailures{0};
  std::atomic<uint64_t> leaseHits{0};      // requests admitted from a local lease, no round-trip
  std::atomic<uint64_t> denyCacheHits{0};  // rejected locally until Redis's retry-after
  // latencyBuckets[i]: calls with latency <= kLatencyBoundsMicros[i]; the last slot: above.
  std::array<std::atomic<uint64_t>, kLatencyBoundsMicros.size() + 1> latencyBuckets{};
  std::atomic<uint64_t> latencySumMicros{0};

  void recordLatency(std::chrono::microseconds latency) noexcept {
    auto us = static_cast<uint64_t>(latency.count());
    std::size_t i = 0;
    while (i < kLatencyBoundsMicros.size() && us > kLatencyBoundsMicros[i]) ++i;
    latencyBuckets[i].fetch_add(1, std::memory_order_relaxed);
    latencySumMicros.fetch_add(us, std::memory_order_relaxed);
  }
};

}  // namespace portico::ratelimit
