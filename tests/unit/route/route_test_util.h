// Builders for in-code config sets and requests, shared by the route unit tests.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "portico/config/config_set.h"
#include "portico/route/match_input.h"
#include "portico/route/snapshot_compiler.h"

namespace portico::route::testing {

inline config::StringMatch exact(std::string v) {
  return {config::StringMatch::Kind::kExact, std::move(v), {}};
}
inline config::StringMatch prefix(std::string v) {
  return {config::StringMatch::Kind::kPrefix, std::move(v), {}};
}
inline config::StringMatch regex(std::string v) {
  return {config::StringMatch::Kind::kRegex, std::move(v), {}};
}
inline config::StringMatch presence() { return {config::StringMatch::Kind::kPresence, "", {}}; }

inline config::HttpMatchRequest uriMatch(config::StringMatch uri) {
  config::HttpMatchRequest m;
  m.uri = std::move(uri);
  return m;
}

class FakeHeaders : public HeaderSource {
 public:
  FakeHeaders() = default;
  FakeHeaders(std::initializer_list<std::pair<const std::string, std::string>> h) : headers_(h) {}
  std::optional<std::string_view> find(std::string_view lowerName) const override {
    auto it = headers_.find(std::string(lowerName));
    if (it == headers_.end()) return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  std::map<std::string, std::string> headers_;
};

struct Request {
  std::string method = "GET";
  std::string scheme = "http";
  std::string authority = "example.com";
  std::string path = "/";
  std::string query;
  uint16_t port = 80;
  FakeHeaders headers;

  MatchInput input() const {
    MatchInput in;
    in.method = method;
    in.scheme = scheme;
    in.authority = authority;
    in.path = path;
    in.query = query;
    in.listenerPort = port;
    in.headers = &headers;
    return in;
  }
};

inline Request get(std::string path, std::string authority = "example.com") {
  Request r;
  auto q = path.find('?');
  if (q != std::string::npos) {
    r.query = path.substr(q + 1);
    path.resize(q);
  }
  r.path = std::move(path);
  r.authority = std::move(authority);
  return r;
}

inline config::ResourceMeta meta(std::string kind, std::string name, std::string ns, int order) {
  config::ResourceMeta m;
  m.kind = std::move(kind);
  m.name = std::move(name);
  m.ns = std::move(ns);
  m.order = order;
  m.file = "test.yaml";
  return m;
}

inline config::Server server(uint32_t port, config::Protocol protocol,
                             std::vector<std::string> hosts, std::string portName = "http") {
  config::Server s;
  s.portNumber = port;
  s.portName = std::move(portName);
  s.protocol = protocol;
  s.hosts = std::move(hosts);
  return s;
}

inline config::Gateway gateway(std::string name, std::vector<config::Server> servers,
                               std::string ns = "default", int order = 0) {
  config::Gateway g;
  g.meta = meta("Gateway", std::move(name), std::move(ns), order);
  g.selector = {{"istio", "ingressgateway"}};
  for (std::size_t i = 0; i < servers.size(); ++i) {
    servers[i].path = "spec.servers[" + std::to_string(i) + "]";
  }
  g.servers = std::move(servers);
  return g;
}

inline config::HttpRouteDestination dest(std::string host, uint32_t port = 0,
                                         std::string subset = "", int32_t weight = 0) {
  config::HttpRouteDestination d;
  d.destination.host = std::move(host);
  d.destination.port = port;
  d.destination.subset = std::move(subset);
  d.weight = weight;
  d.weightSet = weight != 0;
  return d;
}

inline config::HttpRoute http(std::vector<config::HttpMatchRequest> match,
                              std::vector<config::HttpRouteDestination> route,
                              std::string name = "") {
  config::HttpRoute h;
  h.match = std::move(match);
  h.route = std::move(route);
  h.name = std::move(name);
  return h;
}

inline config::VirtualService virtualService(std::string name, std::vector<std::string> hosts,
                                             std::vector<std::string> gateways,
                                             std::vector<config::HttpRoute> routes, int order = 0,
                                             std::string ns = "default") {
  config::VirtualService vs;
  vs.meta = meta("VirtualService", std::move(name), std::move(ns), order);
  vs.hosts = std::move(hosts);
  vs.gateways = std::move(gateways);
  for (std::size_t i = 0; i < routes.size(); ++i) {
    routes[i].path = "spec.http[" + std::to_string(i) + "]";
  }
  vs.http = std::move(routes);
  return vs;
}

struct Compiled {
  SnapshotPtr snapshot;
  config::Diagnostics diagnostics;

  const VirtualHost* vhost(uint16_t port, std::string_view authority) const {
    const Listener* l = snapshot ? snapshot->listener(port) : nullptr;
    return l == nullptr ? nullptr : l->virtualHosts.find(authority);
  }
  // Name of the route a request reaches on `port`, or "" (404).
  std::string routeFor(const Request& r) const {
    const VirtualHost* vh = vhost(r.port, r.authority);
    if (vh == nullptr) return "";
    auto m = vh->match(r.input());
    return m ? m->route->name : "";
  }
  std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    for (const auto& d : diagnostics.items()) out.push_back(d.format());
    return out;
  }
};

inline Compiled compile(config::ConfigSet set, CompileOptions options = {}) {
  Compiled c;
  c.snapshot = compileSnapshot(std::make_shared<const config::ConfigSet>(std::move(set)), options,
                               c.diagnostics);
  return c;
}

}  // namespace portico::route::testing
