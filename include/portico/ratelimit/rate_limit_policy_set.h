// Every RateLimitPolicy of one snapshot, indexed by what they target: a VirtualService
// ("ns/name", as route::Route::virtualService spells it) or a Gateway ("ns/name", as
// route::ServerBinding::gateway spells it). Built off the workers when a config loads,
// immutable, held by the snapshot (route::Snapshot::rateLimits) so a stream pins the
// policies of the config it started with.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/config_set.h"
#include "portico/ratelimit/rate_limit_policy.h"

namespace portico::ratelimit {

class RateLimitRegistry;

class RateLimitPolicySet {
 public:
  using Policies = std::vector<std::shared_ptr<const RateLimitPolicy>>;

  // Compiles every RateLimitConfig of `set` through `registry` (so state carries over from
  // the previous set for unchanged limits: build the new set before dropping the old).
  static std::shared_ptr<const RateLimitPolicySet> build(RateLimitRegistry& registry,
                                                         const config::ConfigSet& set);
  explicit RateLimitPolicySet(const Policies& policies);

  // Policies targeting the VirtualService / Gateway named "ns/name"; empty when none.
  const Policies& forVirtualService(std::string_view name) const;
  const Policies& forGateway(std::string_view name) const;
  const Policies& all() const { return all_; }
  bool empty() const { return all_.empty(); }
  // Addresses of every Redis backend, so workers can connect before the first request.
  std::vector<std::string> redisAddresses() const;

 private:
  Policies all_;
  std::map<std::string, Policies, std::less<>> byVirtualService_;
  std::map<std::string, Policies, std::less<>> byGateway_;
};

}  // namespace portico::ratelimit
