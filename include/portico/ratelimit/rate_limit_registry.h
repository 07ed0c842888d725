// Process-wide owner of rate-limit state, shared by all workers. compile() turns a
// RateLimitConfig into an immutable RateLimitPolicy whose limits point at state owned
// here, keyed by (config ns/name, limit name, hash of the limit's definition): a reload
// that leaves a limit unchanged gets the same buckets and counters back, a changed limit
// starts fresh, and state no policy references any more is freed with its last policy.
// decide() is the per-request entry point.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/config_set.h"
#include "portico/ratelimit/limit_state.h"
#include "portico/ratelimit/rate_limit_decision.h"
#include "portico/ratelimit/rate_limit_metrics.h"
#include "portico/ratelimit/rate_limit_policy.h"
#include "portico/route/match_input.h"

namespace portico::ratelimit {

class RedisRateLimiter;

class RateLimitRegistry {
 public:
  using DecisionCallback = std::function<void(const RateLimitDecision&)>;

  explicit RateLimitRegistry(std::size_t maxKeysPerLimit = KeyedBuckets::kDefaultMaxKeys);
  RateLimitRegistry(const RateLimitRegistry&) = delete;
  RateLimitRegistry& operator=(const RateLimitRegistry&) = delete;

  // Thread-safe (a mutex: compilation runs when config loads, never per request). Compile
  // the new config before dropping the old snapshot, so unchanged limits find their state.
  std::shared_ptr<const RateLimitPolicy> compile(const config::RateLimitConfig& config);
  // Compiles a whole config set and makes it the current generation: its limits' state is
  // kept even if every snapshot holding it is dropped before the next reload, and the
  // state of limits the set no longer has is released once no policy references it.
  std::vector<std::shared_ptr<const RateLimitPolicy>> compileAll(const config::ConfigSet& set);

  // Every limit of `policy` whose match fits the request takes a token from its local
  // bucket (Redis backends are not consulted: this is the local-enforcement path);
  // checking stops at the first limit that rejects. Lock-free for unkeyed limits; keyed
  // limits lock one of 64 shards.
  // Static: the state lives in the policy's limits; any thread may call it.
  static RateLimitDecision decide(const RateLimitPolicy& policy, const route::MatchInput& input,
                                  std::string_view clientAddress, uint64_t nowNanos);

  // The data plane's entry point: local policies as above; Redis-backed ones through the
  // worker's `redis` limiter. Returns the decision when known without waiting; otherwise
  // nullopt and `done` runs later on the worker's io_context, within the backend timeout.
  // A Redis-backed policy with `redis == nullptr` is enforced locally.
  static std::optional<RateLimitDecision> decide(
      const std::shared_ptr<const RateLimitPolicy>& policy, const route::MatchInput& input,
      std::string_view clientAddress, RedisRateLimiter* redis, DecisionCallback done);

  struct LimitStats {
    std::string name;  // "<ns>/<config>/<limit>"
    uint64_t admitted = 0;
    uint64_t limited = 0;
    uint64_t failureModeDecisions = 0;
    std::size_t keys = 0;  // live local keyed buckets
  };
  // Counters of every limit some live policy uses, sorted by name (admin /stats).
  std::vector<LimitStats> limitStats() const;
  RedisMetrics& redisMetrics() { return redisMetrics_; }
  const RedisMetrics& redisMetrics() const { return redisMetrics_; }

 private:
  std::size_t maxKeysPerLimit_;
  mutable std::mutex mutex_;
  std::map<std::string, std::weak_ptr<LimitState>> states_;     // by identity
  std::vector<std::shared_ptr<LimitState>> currentGeneration_;  // from the last compileAll()
  RedisMetrics redisMetrics_;
};

// 64-bit FNV-1a, stable across builds and hosts (it names Redis keys shared by replicas).
uint64_t stableHash(std::string_view text);

}  // namespace portico::ratelimit
