// Compiles a validated ConfigSet into a Snapshot: merges Gateway servers per port,
// binds VirtualServices to them in Istio's precedence, pre-compiles every matcher and
// regex, and builds one cluster per (FQDN, port, subset).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "portico/config/config_set.h"
#include "portico/route/snapshot.h"

namespace portico::route {

struct CompileOptions {
  // Only Gateways whose selector is a subset of these labels open listeners.
  std::map<std::string, std::string> gatewayLabels{{"istio", "ingressgateway"}};
  // Suffix appended to short destination hosts: reviews -> reviews.<ns>.svc.cluster.local
  std::string clusterDomain = "svc.cluster.local";
};

// Lints found while compiling (shadowed routes, unbound VirtualServices, ...) are added to
// `diagnostics` as warnings. Returns nullptr only if the config set has errors.
SnapshotPtr compileSnapshot(std::shared_ptr<const config::ConfigSet> config,
                            const CompileOptions& options, config::Diagnostics& diagnostics);

// "reviews" in namespace "default" -> "reviews.default.svc.cluster.local"; FQDNs unchanged.
std::string expandHost(std::string_view host, std::string_view ns,
                       std::string_view clusterDomain = "svc.cluster.local");

}  // namespace portico::route
