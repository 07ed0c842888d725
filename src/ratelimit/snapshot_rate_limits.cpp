#include "portico/ratelimit/snapshot_rate_limits.h"

#include <set>
#include <string>

#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/rate_limit_registry.h"

namespace portico::ratelimit {

void attachRateLimits(route::Snapshot& snapshot, const config::ConfigSet& set,
                      RateLimitRegistry& registry, config::Diagnostics& diagnostics) {
  // Always compiled, even when empty: compileAll() also releases the state of limits the
  // previous generation had and this one drops.
  auto policies = RateLimitPolicySet::build(registry, set);
  snapshot.rateLimits = policies->empty() ? nullptr : std::move(policies);
  if (set.rateLimitConfigs.empty()) return;

  std::set<std::string, std::less<>> servedVirtualServices;
  std::set<std::string, std::less<>> servedGateways;
  for (const auto& [port, listener] : snapshot.listeners) {
    for (const auto& server : listener.servers) servedGateways.insert(server.gateway);
    for (const auto& vhost : listener.virtualHosts.virtualHosts()) {
      for (const auto& route : vhost->routes()) servedVirtualServices.insert(route->virtualService);
    }
  }
  for (const auto& config : set.rateLimitConfigs) {
    for (std::size_t i = 0; i < config.targetRefs.size(); ++i) {
      const auto& ref = config.targetRefs[i];
      const auto& served = ref.kind == "Gateway" ? servedGateways : servedVirtualServices;
      std::string name = ref.ns + "/" + ref.name;
      if (served.contains(name)) continue;
      config::Diagnostic d;
      d.severity = config::Severity::kWarning;
      d.file = config.meta.file;
      d.mark = ref.mark;
      d.resource = config.meta.displayName();
      d.field = "spec.targetRefs[" + std::to_string(i) + "]";
      d.message = ref.kind + " " + name +
                  " is not served by any listener of this gateway; its limits never apply here";
      diagnostics.add(std::move(d));
    }
  }
}

}  // namespace portico::ratelimit
