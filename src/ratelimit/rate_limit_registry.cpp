#include "portico/ratelimit/rate_limit_registry.h"

#include <algorithm>
#include <cstdio>

#include "portico/ratelimit/redis_rate_limiter.h"

namespace portico::ratelimit {
namespace {

void count(LimitState& state, const BucketOutcome& outcome, bool failureMode) {
  (outcome.admitted ? state.metrics.admitted : state.metrics.limited)
      .fetch_add(1, std::memory_order_relaxed);
  if (failureMode) state.metrics.failureModeDecisions.fetch_add(1, std::memory_order_relaxed);
}

BucketOutcome consumeLocal(const CompiledLimit& limit, std::optional<std::string_view> key,
                           uint64_t nowNanos) {
  LimitState& state = limit.state();
  if (limit.keyKind() == CompiledLimit::KeyKind::kNone) {
    return state.unkeyed.tryConsume(limit.params(), nowNanos);
  }
  if (!key) return state.missingKey.tryConsume(limit.params(), nowNanos);
  return state.keyed->tryConsume(*key, limit.params(), nowNanos);
}

// Collects the outcomes of one request's Redis calls; answers when the last one lands.
struct PendingDecision {
  std::shared_ptr<const RateLimitPolicy> policy;
  RateLimitDecision decision;
  std::size_t outstanding = 0;
  RateLimitRegistry::DecisionCallback done;
};

}  // namespace

uint64_t stableHash(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

RateLimitRegistry::RateLimitRegistry(std::size_t maxKeysPerLimit)
    : maxKeysPerLimit_(maxKeysPerLimit) {}

std::shared_ptr<const RateLimitPolicy> RateLimitRegistry::compile(
    const config::RateLimitConfig& config) {
  auto policy = std::make_shared<RateLimitPolicy>();
  policy->name = config.meta.ns + "/" + config.meta.name;
  policy->targetRefs = config.targetRefs;
  policy->redis = config.redis;
  std::lock_guard lock(mutex_);
  std::erase_if(states_, [](const auto& item) { return item.second.expired(); });
  for (const auto& limit : config.limits) {
    std::string statName = policy->name + "/" + limit.name;
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx",
                  static_cast<unsigned long long>(stableHash(CompiledLimit::definition(limit))));
    std::string identity = statName + "#" + hash;
    std::shared_ptr<LimitState> state = states_[identity].lock();
    if (!state) {
      state = std::make_shared<LimitState>();
      state->statName = statName;
      state->identity = identity;
      if (limit.keyKind != config::RateLimit::KeyKind::kNone) {
        state->keyed = std::make_unique<KeyedBuckets>(maxKeysPerLimit_);
      }
      states_[identity] = state;
    }
    policy->limits.emplace_back(limit, std::move(state));
  }
  return policy;
}

std::vector<std::shared_ptr<const RateLimitPolicy>> RateLimitRegistry::compileAll(
    const config::ConfigSet& set) {
  std::vector<std::shared_ptr<const RateLimitPolicy>> out;
  out.reserve(set.rateLimitConfigs.size());
  for (const auto& config : set.rateLimitConfigs) out.push_back(compile(config));
  std::vector<std::shared_ptr<LimitState>> generation;
  for (const auto& policy : out) {
    for (const auto& limit : policy->limits) generation.push_back(limit.sharedState());
  }
  std::lock_guard lock(mutex_);
  currentGeneration_.swap(generation);
  return out;
}

RateLimitDecision RateLimitRegistry::decide(const RateLimitPolicy& policy,
                                            const route::MatchInput& input,
                                            std::string_view clientAddress, uint64_t nowNanos) {
  RateLimitDecision decision;
  for (const auto& limit : policy.limits) {
    if (!limit.matches(input)) continue;
    BucketOutcome outcome = consumeLocal(limit, limit.key(input, clientAddress), nowNanos);
    count(limit.state(), outcome, false);
    decision.merge(limit, outcome);
    if (!outcome.admitted) break;
  }
  return decision;
}

std::optional<RateLimitDecision> RateLimitRegistry::decide(
    const std::shared_ptr<const RateLimitPolicy>& policy, const route::MatchInput& input,
    std::string_view clientAddress, RedisRateLimiter* redis, DecisionCallback done) {
  if (!policy->redis || redis == nullptr) {
    return decide(*policy, input, clientAddress, steadyNowNanos());
  }
  std::shared_ptr<PendingDecision> pending;
  RateLimitDecision decision;
  for (const auto& limit : policy->limits) {
    if (!limit.matches(input)) continue;
    std::optional<std::string_view> key = limit.key(input, clientAddress);
    if (!pending) {
      pending = std::make_shared<PendingDecision>();
      pending->policy = policy;
      pending->done = std::move(done);
      pending->outstanding = 1;  // held by this loop until it ends
    }
    ++pending->outstanding;
    const CompiledLimit* limitPtr = &limit;
    auto result =
        redis->acquire(limit, key, *policy->redis, [pending, limitPtr](const RedisOutcome& out) {
          count(limitPtr->state(), out.bucket, out.failureMode);
          pending->decision.merge(*limitPtr, out.bucket);
          pending->decision.failureMode |= out.failureMode;
          if (--pending->outstanding == 0) pending->done(pending->decision);
        });
    if (result) {
      --pending->outstanding;
      count(limit.state(), result->bucket, result->failureMode);
      pending->decision.merge(limit, result->bucket);
      pending->decision.failureMode |= result->failureMode;
    }
  }
  if (!pending) return decision;
  if (--pending->outstanding == 0) return pending->decision;
  return std::nullopt;
}

std::vector<RateLimitRegistry::LimitStats> RateLimitRegistry::limitStats() const {
  std::vector<LimitStats> out;
  std::lock_guard lock(mutex_);
  for (const auto& [identity, weak] : states_) {
    auto state = weak.lock();
    if (!state) continue;
    LimitStats s;
    s.name = state->statName;
    s.admitted = state->metrics.admitted.load(std::memory_order_relaxed);
    s.limited = state->metrics.limited.load(std::memory_order_relaxed);
    s.failureModeDecisions = state->metrics.failureModeDecisions.load(std::memory_order_relaxed);
    s.keys = state->keyed ? state->keyed->size() : 0;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const LimitStats& a, const LimitStats& b) { return a.name < b.name; });
  return out;
}

}  // namespace portico::ratelimit
