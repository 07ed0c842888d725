// One RateLimitConfig compiled for the data plane: its limits (matchers compiled, bucket
// parameters computed, state bound) and its Redis backend if any. Immutable and shared
// (shared_ptr<const>) by the snapshot that holds it; built by RateLimitRegistry::compile().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "portico/config/rate_limit_config.h"
#include "portico/ratelimit/compiled_limit.h"

namespace portico::ratelimit {

struct RateLimitPolicy {
  std::string name;  // "<ns>/<name>" of the RateLimitConfig
  std::vector<config::RateLimitTargetRef> targetRefs;
  std::vector<CompiledLimit> limits;
  // Set: every limit of the policy is enforced on Redis (shared by all replicas).
  std::optional<config::RedisRateLimitBackend> redis;
};

}  // namespace portico::ratelimit
