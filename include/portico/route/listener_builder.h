// Part of the SnapshotCompiler: opens one listener per port from the selected Gateways'
// servers, binds VirtualServices to them (gateway names, host intersection, namespace
// restriction) and fills each listener's virtual hosts with routes in Istio's order:
// VS creation order, first match wins, catch-alls last. Lives only for one compile.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "portico/config/config_set.h"
#include "portico/route/route_builder.h"
#include "portico/route/snapshot.h"
#include "portico/route/snapshot_compiler.h"

namespace portico::route {

class ListenerBuilder {
 public:
  ListenerBuilder(const config::ConfigSet& config, const CompileOptions& options,
                  RouteBuilder& routes, config::Diagnostics& diagnostics);

  std::map<uint16_t, Listener> build();

  // Whether `host` (a name or `*.suffix` or `*`) names only hosts that `of` also names.
  static bool hostSubsetOf(std::string_view host, std::string_view of);

 private:
  struct ServerHost {
    std::string ns;  // "*" any, "." the gateway's namespace, or a namespace name
    std::string dnsName;
  };
  struct ServerRef {
    const config::Gateway* gateway;
    const config::Server* server;
    std::string gatewayKey;  // "namespace/name"
    std::vector<ServerHost> hosts;
  };
  // One Envoy-level route: a VS http[] entry restricted to some of its match blocks.
  struct RouteDraft {
    std::size_t vs;
    std::size_t http;
    std::vector<const config::HttpMatchRequest*> matches;  // empty: no conditions
    bool catchAll;
  };
  struct VirtualHostDraft {
    std::string domain;
    bool requireTls = false;
    std::vector<RouteDraft> routes;
    std::set<std::pair<std::size_t, std::string>> boundVs;  // (vs, gateway) already merged
  };

  void collectServers(std::map<uint16_t, Listener>& listeners);
  // Binds VSs and orders routes; counts how often each http[] entry is used.
  std::vector<VirtualHostDraft> draftVirtualHosts(const Listener& listener,
                                                  const std::vector<ServerRef>& servers);
  void materialize(VirtualHostTable& table, uint16_t port, std::vector<VirtualHostDraft>& drafts);
  std::vector<std::string> intersectHosts(std::size_t vs, const ServerRef& server) const;
  // PASSTHROUGH servers: the tls[] routes of the VSs bound to them, into listener.sniRoutes.
  void buildSniRoutes(Listener& listener, const std::vector<ServerRef>& servers);
  std::vector<RouteDraft> routesFor(std::size_t vs, const std::string& gatewayKey, uint32_t port);
  // The Route for VS `vs` http[`http`], built once; copied only when used more than once.
  std::unique_ptr<Route> takeRoute(std::size_t vs, std::size_t http);
  void lintVirtualService(const config::VirtualService& vs);

  const config::ConfigSet& config_;
  const CompileOptions& options_;
  RouteBuilder& routes_;
  config::Diagnostics& diagnostics_;
  std::vector<const config::VirtualService*> virtualServices_;  // Istio order
  std::vector<std::vector<std::string>> vsHosts_;               // lower-cased
  std::map<uint16_t, std::vector<ServerRef>> servers_;
  struct RouteSlot {
    std::unique_ptr<Route> route;
    uint32_t uses = 0;
  };
  std::vector<std::vector<RouteSlot>> routeSlots_;  // [vs][http]
  std::set<std::pair<std::size_t, std::size_t>> shadowWarned_;
  std::vector<bool> bound_;
};

}  // namespace portico::route
