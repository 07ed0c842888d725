#include "portico/route/cluster_builder.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "portico/route/string_matcher.h"

namespace portico::route {
namespace {

using upstream::ClusterConfig;

constexpr uint32_t kIstioDefaultPort = 80;

template <typename T>
std::vector<const T*> inIstioOrder(const std::vector<T>& items) {
  std::vector<const T*> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(&item);
  std::stable_sort(out.begin(), out.end(), [](const T* a, const T* b) {
    return std::tie(a->meta.order, a->meta.name, a->meta.ns) <
           std::tie(b->meta.order, b->meta.name, b->meta.ns);
  });
  return out;
}

// The policy fields that reach a cluster, after Istio's MergeTrafficPolicy.
struct EffectivePolicy {
  std::optional<config::LoadBalancerSettings> loadBalancer;
  std::optional<config::ConnectionPoolSettings> connectionPool;
  std::optional<config::OutlierDetection> outlierDetection;
  std::optional<config::ClientTlsSettings> tls;
};

// A port-level policy replaces everything: omitted fields fall back to defaults.
void applyPortLevel(const config::TrafficPolicy& policy, uint32_t port, EffectivePolicy& out) {
  for (const auto& level : policy.portLevelSettings) {
    if (level.port != port) continue;
    out = EffectivePolicy{level.loadBalancer, level.connectionPool, level.outlierDetection,
                          level.tls};
    return;
  }
}

EffectivePolicy effectivePolicy(const config::TrafficPolicy* top, const config::Subset* subset,
                                uint32_t port) {
  EffectivePolicy out;
  if (top != nullptr) {
    out = EffectivePolicy{top->loadBalancer, top->connectionPool, top->outlierDetection, top->tls};
    applyPortLevel(*top, port, out);
  }
  if (subset != nullptr && subset->trafficPolicy) {
    // A subset field replaces the DR-level field as a whole; no deep merge.
    const auto& sp = *subset->trafficPolicy;
    if (sp.loadBalancer) out.loadBalancer = sp.loadBalancer;
    if (sp.connectionPool) out.connectionPool = sp.connectionPool;
    if (sp.outlierDetection) out.outlierDetection = sp.outlierDetection;
    if (sp.tls) out.tls = sp.tls;
    applyPortLevel(sp, port, out);
  }
  return out;
}

bool isHttp2Protocol(config::Protocol p) {
  return p == config::Protocol::kHttp2 || p == config::Protocol::kGrpc ||
         p == config::Protocol::kGrpcWeb;
}

bool labelsContain(const std::map<std::string, std::string>& labels,
                   const std::map<std::string, std::string>& wanted) {
  for (const auto& [key, value] : wanted) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

void applyPolicy(const EffectivePolicy& policy, ClusterConfig& cluster) {
  if (policy.loadBalancer) {
    using Simple = config::LoadBalancerSettings::Simple;
    switch (policy.loadBalancer->simple) {
      case Simple::kRoundRobin:
        cluster.lbPolicy = ClusterConfig::LbPolicy::kRoundRobin;
        break;
      case Simple::kRandom:
        cluster.lbPolicy = ClusterConfig::LbPolicy::kRandom;
        break;
      case Simple::kUnspecified:
      case Simple::kLeastRequest:
      case Simple::kPassthrough:
        cluster.lbPolicy = ClusterConfig::LbPolicy::kLeastRequest;
        break;
    }
    cluster.consistentHash = policy.loadBalancer->consistentHash;
  }
  if (policy.connectionPool) {
    const auto& pool = *policy.connectionPool;
    cluster.maxConnections = pool.maxConnections;
    if (pool.connectTimeout) cluster.connectTimeout = *pool.connectTimeout;
    if (pool.httpIdleTimeout) cluster.idleTimeout = *pool.httpIdleTimeout;
    cluster.maxPendingRequests = pool.http1MaxPendingRequests;
    cluster.maxRequests = pool.http2MaxRequests;
    cluster.maxRequestsPerConnection = pool.maxRequestsPerConnection;
    cluster.maxRetries = pool.maxRetries;
    if (pool.h2UpgradePolicy == config::ConnectionPoolSettings::H2UpgradePolicy::kUpgrade) {
      cluster.protocol = ClusterConfig::Protocol::kHttp2;
    }
  }
  cluster.outlierDetection = policy.outlierDetection;
  if (policy.tls && policy.tls->mode != config::ClientTlsSettings::Mode::kDisable) {
    cluster.tls = policy.tls;
  }
}

}  // namespace

std::string ClusterBuilder::clusterName(uint32_t port, std::string_view subset,
                                        std::string_view fqdn) {
  std::string name;
  name.reserve(16 + subset.size() + fqdn.size());
  name.append("outbound|").append(std::to_string(port)).append(1, '|');
  name.append(subset).append(1, '|').append(fqdn);
  return name;
}

ClusterBuilder::ClusterBuilder(const config::ConfigSet& config, const CompileOptions& options,
                               config::Diagnostics& diagnostics)
    : config_(config), options_(options), diagnostics_(diagnostics) {
  for (const auto* se : inIstioOrder(config.serviceEntries)) {
    for (const auto& host : se->hosts) serviceEntries_.emplace(toLowerAscii(host), se);
  }
  for (const auto* dr : inIstioOrder(config.destinationRules)) {
    std::string host = toLowerAscii(dr->host);
    if (host == "*") {
      wildcardRules_[""].push_back(dr);
    } else if (host.starts_with("*.")) {
      wildcardRules_[host.substr(1)].push_back(dr);
    } else {
      exactRules_[expandHost(host, dr->meta.ns, options.clusterDomain)].push_back(dr);
    }
  }
}

const config::ServiceEntry* ClusterBuilder::serviceEntryFor(const std::string& fqdn) const {
  auto it = serviceEntries_.find(fqdn);
  return it == serviceEntries_.end() ? nullptr : it->second;
}

const ClusterBuilder::MergedRule* ClusterBuilder::ruleFor(const std::string& fqdn) {
  if (auto it = mergedRules_.find(fqdn); it != mergedRules_.end()) return &it->second;
  // Most specific host wins: exact, then the longest wildcard suffix, then "*".
  const std::vector<const config::DestinationRule*>* rules = nullptr;
  if (auto it = exactRules_.find(fqdn); it != exactRules_.end()) rules = &it->second;
  for (auto dot = fqdn.find('.'); rules == nullptr && dot != std::string::npos;
       dot = fqdn.find('.', dot + 1)) {
    if (auto it = wildcardRules_.find(fqdn.substr(dot)); it != wildcardRules_.end()) {
      rules = &it->second;
    }
  }
  if (rules == nullptr) {
    if (auto it = wildcardRules_.find(""); it != wildcardRules_.end()) rules = &it->second;
  }
  MergedRule merged;
  if (rules != nullptr) {
    for (const auto* dr : *rules) {
      if (merged.policy == nullptr && dr->trafficPolicy) merged.policy = &*dr->trafficPolicy;
      for (const auto& subset : dr->subsets) {
        bool known = std::any_of(merged.subsets.begin(), merged.subsets.end(),
                                 [&](const config::Subset* s) { return s->name == subset.name; });
        if (!known) merged.subsets.push_back(&subset);
      }
    }
  }
  return &mergedRules_.emplace(fqdn, std::move(merged)).first->second;
}

std::string ClusterBuilder::clusterFor(const config::Destination& destination,
                                       const config::ResourceMeta& owner,
                                       const std::string& field) {
  std::string fqdn = expandHost(destination.host, owner.ns, options_.clusterDomain);
  uint32_t port = destination.port;
  if (port == 0) {
    // Istio: the only port of the service, else 80.
    const auto* se = serviceEntryFor(fqdn);
    if (se != nullptr && se->ports.size() == 1) {
      port = se->ports[0].number;
    } else {
      port = kIstioDefaultPort;
      diagnostics_.add(config::Diagnostic{
          config::Severity::kWarning, owner.file, destination.mark, owner.displayName(),
          field + ".port",
          se == nullptr
              ? "destination port is required for host \"" + fqdn +
                    "\", which no ServiceEntry defines; using port 80"
              : "destination port is required: ServiceEntry " + se->meta.ns + "/" + se->meta.name +
                    " defines several ports for \"" + fqdn + "\"; using port 80"});
    }
  }
  std::string name = clusterName(port, destination.subset, fqdn);
  if (wantedNames_.emplace(name, wanted_.size()).second) {
    wanted_.push_back(
        Wanted{std::move(fqdn), port, destination.subset, &owner, field, destination.mark});
  }
  return name;
}

bool ClusterBuilder::usesConsistentHash(const std::string& clusterName) {
  auto it = wantedNames_.find(clusterName);
  if (it == wantedNames_.end()) return false;
  const Wanted& wanted = wanted_[it->second];
  const MergedRule* rule = ruleFor(wanted.fqdn);
  const config::Subset* subsetDef = nullptr;
  for (const auto* s : rule->subsets) {
    if (s->name == wanted.subset) subsetDef = s;
  }
  auto policy = effectivePolicy(rule->policy, subsetDef, wanted.port);
  return policy.loadBalancer && policy.loadBalancer->consistentHash.has_value();
}

void ClusterBuilder::warn(const Wanted& wanted, std::string message) {
  diagnostics_.add(config::Diagnostic{config::Severity::kWarning, wanted.owner->file, wanted.mark,
                                      wanted.owner->displayName(), wanted.field,
                                      std::move(message)});
}

std::optional<ClusterConfig> ClusterBuilder::makeCluster(const std::string& fqdn, uint32_t port,
                                                         const std::string& subset,
                                                         const Wanted* wanted) {
  const MergedRule* rule = ruleFor(fqdn);
  const config::Subset* subsetDef = nullptr;
  if (!subset.empty()) {
    for (const auto* s : rule->subsets) {
      if (s->name == subset) subsetDef = s;
    }
    if (subsetDef == nullptr) {
      if (wanted != nullptr) {
        warn(*wanted, "subset \"" + subset +
                          "\" is not defined by any DestinationRule for host \"" + fqdn +
                          "\"; requests to it get 503");
      }
      return std::nullopt;
    }
  }

  ClusterConfig cluster;
  cluster.name = clusterName(port, subset, fqdn);
  cluster.host = fqdn;
  cluster.port = static_cast<uint16_t>(port);
  cluster.subset = subset;

  const config::ServiceEntry* se = serviceEntryFor(fqdn);
  if (se == nullptr) {
    // No registry entry: the host itself, resolved by DNS, on the destination port.
    cluster.discovery = ClusterConfig::Discovery::kStrictDns;
    cluster.endpoints.push_back(upstream::EndpointConfig{fqdn, static_cast<uint16_t>(port), 1, {}});
  } else {
    const config::ServicePort* sePort = nullptr;
    for (const auto& p : se->ports) {
      if (p.number == port) sePort = &p;
    }
    if (sePort == nullptr) {
      if (wanted != nullptr) {
        warn(*wanted, "ServiceEntry " + se->meta.ns + "/" + se->meta.name +
                          " does not define port " + std::to_string(port) + " for host \"" + fqdn +
                          "\"; requests to it get 503");
      }
      return std::nullopt;
    }
    if (isHttp2Protocol(sePort->protocol)) cluster.protocol = ClusterConfig::Protocol::kHttp2;
    uint16_t defaultPort =
        static_cast<uint16_t>(sePort->targetPort != 0 ? sePort->targetPort : sePort->number);
    using Resolution = config::ServiceEntry::Resolution;
    cluster.discovery = se->resolution == Resolution::kStatic ? ClusterConfig::Discovery::kStatic
                        : se->resolution == Resolution::kDnsRoundRobin
                            ? ClusterConfig::Discovery::kLogicalDns
                            : ClusterConfig::Discovery::kStrictDns;
    for (const auto& ep : se->endpoints) {
      upstream::EndpointConfig endpoint;
      endpoint.address = ep.address;
      auto mapped = ep.ports.find(sePort->name);
      endpoint.port =
          mapped != ep.ports.end() ? static_cast<uint16_t>(mapped->second) : defaultPort;
      endpoint.weight = ep.weight == 0 ? 1 : ep.weight;
      endpoint.labels = ep.labels;
      cluster.endpoints.push_back(std::move(endpoint));
    }
    if (se->endpoints.empty() && cluster.discovery != ClusterConfig::Discovery::kStatic) {
      cluster.endpoints.push_back(upstream::EndpointConfig{fqdn, defaultPort, 1, {}});
    }
  }
  if (subsetDef != nullptr) {
    std::erase_if(cluster.endpoints, [&](const upstream::EndpointConfig& ep) {
      return !labelsContain(ep.labels, subsetDef->labels);
    });
  }

  applyPolicy(effectivePolicy(rule->policy, subsetDef, port), cluster);
  if (cluster.tls && cluster.tls->subjectAltNames.empty() && se != nullptr) {
    cluster.tls->subjectAltNames = se->subjectAltNames;
  }
  return cluster;
}

std::map<std::string, ClusterConfig, std::less<>> ClusterBuilder::build() {
  std::map<std::string, ClusterConfig, std::less<>> clusters;
  auto addCluster = [&](std::optional<ClusterConfig> cluster) {
    if (cluster) {
      std::string name = cluster->name;
      clusters.emplace(std::move(name), std::move(*cluster));
    }
  };
  for (const auto& wanted : wanted_) {
    addCluster(makeCluster(wanted.fqdn, wanted.port, wanted.subset, &wanted));
  }
  // The registry's own clusters, referenced or not, as Istio builds them.
  for (const auto& [host, se] : serviceEntries_) {
    if (host.starts_with("*")) continue;  // wildcard hosts have no endpoints of their own
    for (const auto& port : se->ports) {
      if (wantedNames_.count(clusterName(port.number, "", host)) == 0) {
        addCluster(makeCluster(host, port.number, "", nullptr));
      }
      for (const auto* subset : ruleFor(host)->subsets) {
        if (wantedNames_.count(clusterName(port.number, subset->name, host)) == 0) {
          addCluster(makeCluster(host, port.number, subset->name, nullptr));
        }
      }
    }
  }
  return clusters;
}

}  // namespace portico::route
