#include "portico/ratelimit/rate_limit_policy_set.h"

#include <algorithm>

#include "portico/ratelimit/rate_limit_registry.h"

namespace portico::ratelimit {
namespace {

const RateLimitPolicySet::Policies& lookup(
    const std::map<std::string, RateLimitPolicySet::Policies, std::less<>>& map,
    std::string_view name) {
  static const RateLimitPolicySet::Policies kNone;
  auto it = map.find(name);
  return it == map.end() ? kNone : it->second;
}

}  // namespace

std::shared_ptr<const RateLimitPolicySet> RateLimitPolicySet::build(RateLimitRegistry& registry,
                                                                    const config::ConfigSet& set) {
  return std::make_shared<const RateLimitPolicySet>(registry.compileAll(set));
}

RateLimitPolicySet::RateLimitPolicySet(const Policies& policies) : all_(policies) {
  for (const auto& policy : all_) {
    for (const auto& ref : policy->targetRefs) {
      auto& index = ref.kind == "Gateway" ? byGateway_ : byVirtualService_;
      auto& list = index[ref.ns + "/" + ref.name];
      if (std::find(list.begin(), list.end(), policy) == list.end()) list.push_back(policy);
    }
  }
}

const RateLimitPolicySet::Policies& RateLimitPolicySet::forVirtualService(
    std::string_view name) const {
  return lookup(byVirtualService_, name);
}

const RateLimitPolicySet::Policies& RateLimitPolicySet::forGateway(std::string_view name) const {
  return lookup(byGateway_, name);
}

std::vector<std::string> RateLimitPolicySet::redisAddresses() const {
  std::vector<std::string> out;
  for (const auto& policy : all_) {
    if (policy->redis && std::find(out.begin(), out.end(), policy->redis->address) == out.end())
      out.push_back(policy->redis->address);
  }
  return out;
}

}  // namespace portico::ratelimit
