// The mutable state of one limit, owned by the RateLimitRegistry and shared (through
// shared_ptr) by every compiled policy that contains an identical limit, so a reload that
// leaves a limit unchanged keeps its buckets and counters. Shared by all workers.
#pragma once

#include <memory>
#include <string>

#include "portico/ratelimit/keyed_buckets.h"
#include "portico/ratelimit/rate_limit_metrics.h"
#include "portico/ratelimit/token_bucket.h"

namespace portico::ratelimit {

struct LimitState {
  std::string statName;                 // "<ns>/<config>/<limit>": what the admin endpoint shows
  std::string identity;                 // statName + "#" + hex hash of the limit's definition
  TokenBucket unkeyed;                  // limits without a key
  TokenBucket missingKey;               // header-keyed limits: requests without the header share it
  std::unique_ptr<KeyedBuckets> keyed;  // keyed limits only
  LimitMetrics metrics;
};

}  // namespace portico::ratelimit
