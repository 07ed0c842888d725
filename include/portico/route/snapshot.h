// The immutable, compiled form of one config set: listeners by port with their virtual
// hosts and routes, and the upstream clusters. Workers hold it as
// std::shared_ptr<const Snapshot>; a stream pins the one it started with.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "portico/config/config_set.h"
#include "portico/route/virtual_host_table.h"
#include "portico/upstream/cluster_config.h"

namespace portico::ratelimit {
class RateLimitPolicySet;  // ratelimit/rate_limit_policy_set.h
}  // namespace portico::ratelimit

namespace portico::tls {
class TlsListenerContexts;  // tls/tls_listener_contexts.h
}  // namespace portico::tls

namespace portico::route {

// One Gateway server as bound to a listener (several servers may share a port).
struct ServerBinding {
  std::string gateway;  // "namespace/name"
  std::string portName;
  std::vector<std::string> hosts;  // dnsName parts, lower-case
  std::optional<config::ServerTls> tls;
  // TLS-terminating servers only: the virtual hosts of the VirtualServices bound to this
  // server alone. A request on a connection whose SNI chose this server routes here, never
  // to another server's VirtualServices on the same port (Envoy: one route config per
  // filter chain). Null for other servers, which use Listener::virtualHosts. Shared and
  // immutable, so a ServerBinding stays copyable.
  std::shared_ptr<const VirtualHostTable> virtualHosts;
};

// A VirtualService tls[] route on a PASSTHROUGH server: connections whose ClientHello names
// one of `sniHosts` are proxied, still encrypted, to one of `destinations` (by weight).
struct SniRoute {
  std::vector<std::string> sniHosts;  // lower-case names, `*.suffix` or `*`
  struct Destination {
    std::string clusterName;  // key into Snapshot::clusters
    uint32_t weight = 0;
  };
  std::vector<Destination> destinations;
  uint32_t totalWeight = 0;
  std::string virtualService;  // "namespace/name"
  std::string path;            // "spec.tls[0]"
};

struct Listener {
  uint16_t port = 0;
  std::string bind;  // empty: the --bind-address
  config::Protocol protocol = config::Protocol::kHttp;
  std::vector<ServerBinding> servers;
  VirtualHostTable virtualHosts;
  // PASSTHROUGH servers: tls[] routes of the VirtualServices bound to them, Istio order (the
  // first whose sniHosts match the ClientHello's SNI wins).
  std::vector<SniRoute> sniRoutes;
};

struct Snapshot {
  std::string version;  // hex content hash of the loaded resources
  std::chrono::system_clock::time_point loadedAt;
  std::vector<std::string> sourceFiles;
  std::map<uint16_t, Listener> listeners;
  std::map<std::string, upstream::ClusterConfig, std::less<>> clusters;  // by cluster name
  std::shared_ptr<const config::ConfigSet> config;  // the resources as loaded
  // The RateLimitConfigs compiled against the process's RateLimitRegistry; set by the
  // server before it publishes the snapshot (the SnapshotCompiler leaves it null: no limits).
  std::shared_ptr<const ratelimit::RateLimitPolicySet> rateLimits;
  // The SSL contexts of its TLS-terminating listeners, built from this snapshot's servers by
  // tls::TlsListenerContexts::build() (reusing the previous snapshot's contexts whose files
  // did not change) and set by the server before it publishes the snapshot. Null: no TLS.
  // A connection pins its port's selector at accept, so a new snapshot (a reload or a
  // certificate rotation) changes only what new handshakes get.
  std::shared_ptr<const tls::TlsListenerContexts> tls;

  const Listener* listener(uint16_t port) const {
    auto it = listeners.find(port);
    return it == listeners.end() ? nullptr : &it->second;
  }
  const upstream::ClusterConfig* cluster(std::string_view name) const {
    auto it = clusters.find(name);
    return it == clusters.end() ? nullptr : &it->second;
  }
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace portico::route
