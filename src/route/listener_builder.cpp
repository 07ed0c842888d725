#include "portico/route/listener_builder.h"

#include <algorithm>
#include <unordered_map>

#include "portico/route/string_matcher.h"

namespace portico::route {
namespace {

using config::HttpMatchRequest;
using config::StringMatch;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool selectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

// Servers may share a port when Envoy can tell them apart: plaintext HTTP flavours share
// one route table; HTTPS and TLS servers are told apart by SNI.
bool protocolsCompatible(config::Protocol a, config::Protocol b) {
  if (a == b) return true;
  if (config::isHttpProtocol(a) && config::isHttpProtocol(b)) return true;
  auto isTls = [](config::Protocol p) {
    return p == config::Protocol::kHttps || p == config::Protocol::kTls;
  };
  return isTls(a) && isTls(b);
}

// HTTP routes apply to plaintext HTTP servers and to HTTPS servers that terminate TLS.
bool servesHttpRoutes(const config::Server& server) {
  if (config::isHttpProtocol(server.protocol)) return true;
  if (server.protocol != config::Protocol::kHttps || !server.tls) return false;
  using Mode = config::ServerTls::Mode;
  return server.tls->mode == Mode::kSimple || server.tls->mode == Mode::kMutual ||
         server.tls->mode == Mode::kOptionalMutual;
}

bool terminatesTls(const config::Server& server) {
  return server.protocol == config::Protocol::kHttps && servesHttpRoutes(server);
}

bool hasNonUriConditions(const HttpMatchRequest& m) {
  return m.scheme || m.method || m.authority || !m.headers.empty() || !m.withoutHeaders.empty() ||
         !m.queryParams.empty();
}

// Istio's isCatchAllRoute: uri prefix "/" or regex ".*" (or none) and nothing else.
bool isCatchAllMatch(const HttpMatchRequest& m) {
  if (hasNonUriConditions(m)) return false;
  if (!m.uri || m.uri->kind == StringMatch::Kind::kPresence) return true;
  if (m.uri->kind == StringMatch::Kind::kPrefix) return m.uri->value == "/";
  if (m.uri->kind == StringMatch::Kind::kRegex) return m.uri->value == ".*";
  return false;
}

bool sameStringMatch(const std::optional<StringMatch>& a, const std::optional<StringMatch>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->kind == b->kind && a->value == b->value);
}

bool sameMatchList(const std::vector<std::pair<std::string, StringMatch>>& a,
                   const std::vector<std::pair<std::string, StringMatch>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || a[i].second.kind != b[i].second.kind ||
        a[i].second.value != b[i].second.value) {
      return false;
    }
  }
  return true;
}

bool sameConditions(const HttpMatchRequest& a, const HttpMatchRequest& b) {
  return sameStringMatch(a.uri, b.uri) && a.ignoreUriCase == b.ignoreUriCase &&
         sameStringMatch(a.scheme, b.scheme) && sameStringMatch(a.method, b.method) &&
         sameStringMatch(a.authority, b.authority) && sameMatchList(a.headers, b.headers) &&
         sameMatchList(a.withoutHeaders, b.withoutHeaders) &&
         sameMatchList(a.queryParams, b.queryParams) && a.port == b.port &&
         a.gateways == b.gateways;
}

// Conservative: `earlier` catches every request `later` would, on every listener where
// `later` applies. Only exact duplicates, or a plain prefix (no other condition) covering
// a later exact/prefix uri.
bool covers(const HttpMatchRequest& earlier, const HttpMatchRequest& later) {
  if (!earlier.gateways.empty() && earlier.gateways != later.gateways) return false;
  if (earlier.port != 0 && earlier.port != later.port) return false;
  if (sameConditions(earlier, later)) return true;
  if (hasNonUriConditions(earlier) || !earlier.uri ||
      earlier.uri->kind != StringMatch::Kind::kPrefix) {
    return false;
  }
  if (!later.uri || (later.uri->kind != StringMatch::Kind::kPrefix &&
                     later.uri->kind != StringMatch::Kind::kExact)) {
    return false;
  }
  if (earlier.ignoreUriCase) {
    return toLowerAscii(later.uri->value).starts_with(toLowerAscii(earlier.uri->value));
  }
  return !later.ignoreUriCase && later.uri->value.starts_with(earlier.uri->value);
}

// An earlier match block, as the unreachable-route lint remembers it.
struct Earlier {
  const HttpMatchRequest* match;
  std::size_t http;  // spec.http[http].match[block]
  std::size_t block;
  std::size_t ordinal;  // precedence among the VS's match blocks
};
using PrefixTable = std::unordered_map<std::string_view, std::vector<Earlier>>;

std::size_t combine(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2));
}

// A hash of every condition of a block; equal blocks hash equal (sameConditions decides).
std::size_t conditionHash(const HttpMatchRequest& m) {
  std::hash<std::string_view> h;
  std::size_t seed = m.ignoreUriCase ? 1 : 0;
  auto add = [&](const std::optional<StringMatch>& sm) {
    seed = combine(seed, sm ? static_cast<std::size_t>(sm->kind) + 1 : 0);
    if (sm) seed = combine(seed, h(sm->value));
  };
  auto addList = [&](const std::vector<std::pair<std::string, StringMatch>>& list) {
    seed = combine(seed, list.size());
    for (const auto& [name, sm] : list) {
      seed = combine(seed, h(name));
      add(sm);
    }
  };
  add(m.uri);
  add(m.scheme);
  add(m.method);
  add(m.authority);
  addList(m.headers);
  addList(m.withoutHeaders);
  addList(m.queryParams);
  seed = combine(seed, m.port);
  for (const auto& g : m.gateways) seed = combine(seed, h(g));
  return seed;
}

std::string describeUri(const HttpMatchRequest& m) {
  if (!m.uri) return "no uri condition";
  switch (m.uri->kind) {
    case StringMatch::Kind::kExact:
      return "uri exact \"" + m.uri->value + "\"";
    case StringMatch::Kind::kPrefix:
      return "uri prefix \"" + m.uri->value + "\"";
    case StringMatch::Kind::kRegex:
      return "uri regex \"" + m.uri->value + "\"";
    case StringMatch::Kind::kPresence:
      return "any uri";
  }
  return "";
}

}  // namespace

bool ListenerBuilder::hostSubsetOf(std::string_view host, std::string_view of) {
  if (of == "*") return true;
  if (host == of) return true;
  if (of.starts_with("*.")) {
    // "*.example.com" names a.example.com and a.b.example.com (and *.a.example.com),
    // not example.com.
    std::string_view suffix = of.substr(1);
    return host != "*" && host.size() > suffix.size() && host.ends_with(suffix);
  }
  return false;
}

ListenerBuilder::ListenerBuilder(const config::ConfigSet& config, const CompileOptions& options,
                                 RouteBuilder& routes, config::Diagnostics& diagnostics)
    : config_(config), options_(options), routes_(routes), diagnostics_(diagnostics) {
  for (const auto& vs : config.virtualServices) virtualServices_.push_back(&vs);
  // Istio merges VSs by creation time, then name, then namespace; load order stands in
  // for creation time.
  std::stable_sort(virtualServices_.begin(), virtualServices_.end(),
                   [](const config::VirtualService* a, const config::VirtualService* b) {
                     return std::tie(a->meta.order, a->meta.name, a->meta.ns) <
                            std::tie(b->meta.order, b->meta.name, b->meta.ns);
                   });
  for (const auto* vs : virtualServices_) {
    std::vector<std::string> hosts;
    for (const auto& host : vs->hosts) hosts.push_back(toLowerAscii(host));
    vsHosts_.push_back(std::move(hosts));
  }
  bound_.assign(virtualServices_.size(), false);
}

std::map<uint16_t, Listener> ListenerBuilder::build() {
  std::map<uint16_t, Listener> listeners;
  collectServers(listeners);
  routeSlots_.resize(virtualServices_.size());
  for (std::size_t i = 0; i < virtualServices_.size(); ++i) {
    routeSlots_[i].resize(virtualServices_[i]->http.size());
  }
  std::map<uint16_t, std::vector<VirtualHostDraft>> drafts;
  // TLS-terminating servers also get a table of their own (routing scoped by SNI):
  // [port] -> (index in Listener::servers, drafts). All drafting precedes materializing,
  // which hands each built route to its last user.
  std::map<uint16_t, std::vector<std::pair<std::size_t, std::vector<VirtualHostDraft>>>>
      serverDrafts;
  for (auto& [port, listener] : listeners) {
    drafts[port] = draftVirtualHosts(listener, servers_[port]);
    const std::vector<ServerRef>& refs = servers_[port];
    for (std::size_t i = 0; i < refs.size(); ++i) {
      if (!terminatesTls(*refs[i].server)) continue;
      serverDrafts[port].emplace_back(i, draftVirtualHosts(listener, {refs[i]}));
    }
  }
  for (auto& [port, listener] : listeners) buildSniRoutes(listener, servers_[port]);
  for (auto& [port, listener] : listeners) {
    materialize(listener.virtualHosts, port, drafts[port]);
    for (auto& [index, perServer] : serverDrafts[port]) {
      auto table = std::make_shared<VirtualHostTable>();
      materialize(*table, port, perServer);
      listener.servers[index].virtualHosts = std::move(table);
    }
  }

  for (std::size_t i = 0; i < virtualServices_.size(); ++i) {
    const auto& vs = *virtualServices_[i];
    lintVirtualService(vs);
    bool meshOnly = std::all_of(vs.gateways.begin(), vs.gateways.end(),
                                [](const std::string& g) { return g == "mesh"; });
    bool perMatchGateways = false;
    for (const auto& http : vs.http) {
      for (const auto& m : http.match) perMatchGateways |= !m.gateways.empty();
    }
    if (!bound_[i] && !vs.http.empty() && (!meshOnly || perMatchGateways) && !vs.gateways.empty()) {
      diagnostics_.add(config::Diagnostic{
          config::Severity::kWarning, vs.meta.file, vs.meta.mark, vs.meta.displayName(),
          "spec.gateways",
          "binds to no listener: no selected Gateway server it names has a host matching its "
          "hosts"});
    }
  }
  return listeners;
}

void ListenerBuilder::collectServers(std::map<uint16_t, Listener>& listeners) {
  std::vector<const config::Gateway*> gateways;
  for (const auto& gw : config_.gateways) gateways.push_back(&gw);
  std::stable_sort(gateways.begin(), gateways.end(),
                   [](const config::Gateway* a, const config::Gateway* b) {
                     return std::tie(a->meta.order, a->meta.name, a->meta.ns) <
                            std::tie(b->meta.order, b->meta.name, b->meta.ns);
                   });
  std::map<uint16_t, std::string> firstServer;  // for the conflict message
  for (const auto* gw : gateways) {
    if (!selectorMatches(gw->selector, options_.gatewayLabels)) continue;
    std::string gatewayKey = gw->meta.ns + "/" + gw->meta.name;
    for (const auto& server : gw->servers) {
      auto port = static_cast<uint16_t>(server.portNumber);
      auto [it, inserted] = listeners.try_emplace(port);
      Listener& listener = it->second;
      if (inserted) {
        listener.port = port;
        listener.bind = server.bind;
        listener.protocol = server.protocol;
        firstServer[port] = gw->meta.displayName() + " " + server.path;
      } else if (!protocolsCompatible(listener.protocol, server.protocol)) {
        diagnostics_.add(config::Diagnostic{config::Severity::kWarning, gw->meta.file, server.mark,
                                            gw->meta.displayName(), server.path,
                                            "port " + std::to_string(port) + " is already a " +
                                                config::protocolName(listener.protocol) +
                                                " listener (" + firstServer[port] + "); a " +
                                                config::protocolName(server.protocol) +
                                                " server cannot share it, server ignored"});
        continue;
      }
      ServerRef ref{gw, &server, gatewayKey, {}};
      ServerBinding binding{gatewayKey, server.portName, {}, server.tls};
      for (const auto& host : server.hosts) {
        auto slash = host.find('/');
        ServerHost sh;
        sh.ns = slash == std::string::npos ? "*" : host.substr(0, slash);
        sh.dnsName = toLowerAscii(slash == std::string::npos ? host : host.substr(slash + 1));
        binding.hosts.push_back(sh.dnsName);
        ref.hosts.push_back(std::move(sh));
      }
      listener.servers.push_back(std::move(binding));
      servers_[port].push_back(std::move(ref));
    }
  }
}

std::vector<std::string> ListenerBuilder::intersectHosts(std::size_t vsIndex,
                                                         const ServerRef& server) const {
  const auto& vs = *virtualServices_[vsIndex];
  std::vector<std::string> out;
  for (const auto& sh : server.hosts) {
    if (sh.ns == "." ? vs.meta.ns != server.gateway->meta.ns
                     : (sh.ns != "*" && sh.ns != vs.meta.ns)) {
      continue;
    }
    for (const auto& host : vsHosts_[vsIndex]) {
      std::string domain;
      if (hostSubsetOf(host, sh.dnsName))
        domain = host;
      else if (hostSubsetOf(sh.dnsName, host))
        domain = sh.dnsName;
      else
        continue;
      if (!contains(out, domain)) out.push_back(std::move(domain));
    }
  }
  return out;
}

void ListenerBuilder::buildSniRoutes(Listener& listener, const std::vector<ServerRef>& servers) {
  for (const auto& server : servers) {
    // PASSTHROUGH is also the default mode of an HTTP server's tls (httpsRedirect): skip those.
    if (!server.server->tls || config::isHttpProtocol(server.server->protocol) ||
        server.server->tls->mode != config::ServerTls::Mode::kPassthrough) {
      continue;
    }
    for (std::size_t v = 0; v < virtualServices_.size(); ++v) {
      const auto& vs = *virtualServices_[v];
      if (vs.tls.empty()) continue;
      bool vsNamesGateway = contains(vs.gateways, server.gatewayKey);
      bool named = vsNamesGateway;
      for (const auto& route : vs.tls) {
        for (const auto& m : route.match) named = named || contains(m.gateways, server.gatewayKey);
      }
      if (!named || intersectHosts(v, server).empty()) continue;
      bound_[v] = true;
      for (std::size_t r = 0; r < vs.tls.size(); ++r) {
        const config::L4Route& route = vs.tls[r];
        SniRoute sni;
        for (const auto& m : route.match) {
          bool gatewayOk =
              m.gateways.empty() ? vsNamesGateway : contains(m.gateways, server.gatewayKey);
          if (!gatewayOk || (m.port != 0 && m.port != listener.port)) continue;
          // Only names this server serves: another server's SNI never reaches this route.
          for (const auto& raw : m.sniHosts) {
            std::string host = toLowerAscii(raw);
            bool served = std::any_of(server.hosts.begin(), server.hosts.end(), [&](const auto& h) {
              return hostSubsetOf(host, h.dnsName) || hostSubsetOf(h.dnsName, host);
            });
            if (served && !contains(sni.sniHosts, host)) sni.sniHosts.push_back(std::move(host));
          }
        }
        if (sni.sniHosts.empty()) continue;
        for (std::size_t d = 0; d < route.route.size(); ++d) {
          const config::RouteDestination& dest = route.route[d];
          // Istio: a single destination may leave weight out (it gets 100).
          uint32_t weight = dest.weightSet ? static_cast<uint32_t>(std::max(dest.weight, 0))
                                           : (route.route.size() == 1 ? 100u : 0u);
          if (weight == 0) continue;
          std::string field = route.path + ".route[" + std::to_string(d) + "].destination";
          sni.destinations.push_back(
              {routes_.clusters().clusterFor(dest.destination, vs.meta, field), weight});
          sni.totalWeight += weight;
        }
        if (sni.destinations.empty()) continue;
        sni.virtualService = vs.meta.ns + "/" + vs.meta.name;
        sni.path = route.path;
        listener.sniRoutes.push_back(std::move(sni));
      }
    }
  }
}

std::vector<ListenerBuilder::RouteDraft> ListenerBuilder::routesFor(std::size_t vsIndex,
                                                                    const std::string& gatewayKey,
                                                                    uint32_t port) {
  const auto& vs = *virtualServices_[vsIndex];
  bool vsNamesGateway = contains(vs.gateways, gatewayKey);
  std::vector<RouteDraft> out;
  std::string catchAll;  // path of the catch-all seen so far
  for (std::size_t i = 0; i < vs.http.size(); ++i) {
    const auto& http = vs.http[i];
    if (http.delegate) continue;  // delegation is not implemented; the parser warns
    std::vector<const HttpMatchRequest*> kept;
    const HttpMatchRequest* catchAllMatch = nullptr;
    std::string catchAllPath;
    if (http.match.empty()) {
      if (!vsNamesGateway) continue;
      catchAllPath = http.path;
    } else {
      for (std::size_t j = 0; j < http.match.size(); ++j) {
        const auto& m = http.match[j];
        bool gatewayOk = m.gateways.empty() ? vsNamesGateway : contains(m.gateways, gatewayKey);
        if (!gatewayOk || (m.port != 0 && m.port != port)) continue;
        if (isCatchAllMatch(m)) {
          catchAllMatch = &m;
          catchAllPath = http.path + ".match[" + std::to_string(j) + "]";
          break;  // Istio generates nothing after a catch-all
        }
        kept.push_back(&m);
      }
      if (kept.empty() && catchAllMatch == nullptr) continue;  // not on this listener
    }
    if (!catchAll.empty()) {
      // Shadowed by this VS's own catch-all: Istio drops it.
      if (shadowWarned_.emplace(vsIndex, i).second) {
        diagnostics_.add(config::Diagnostic{config::Severity::kWarning, vs.meta.file, http.mark,
                                            vs.meta.displayName(), http.path,
                                            "unreachable route: the catch-all " + catchAll +
                                                " before it matches every request; route dropped"});
      }
      continue;
    }
    if (!kept.empty()) out.push_back(RouteDraft{vsIndex, i, std::move(kept), false});
    if (!catchAllPath.empty()) {
      std::vector<const HttpMatchRequest*> matches;
      if (catchAllMatch != nullptr) matches.push_back(catchAllMatch);
      out.push_back(RouteDraft{vsIndex, i, std::move(matches), true});
      catchAll = catchAllPath;
    }
  }
  return out;
}

std::unique_ptr<Route> ListenerBuilder::takeRoute(std::size_t vs, std::size_t http) {
  RouteSlot& slot = routeSlots_[vs][http];
  if (!slot.route) slot.route = routes_.build(*virtualServices_[vs], http);
  // Most routes are used once: hand the built route over instead of copying it.
  if (--slot.uses == 0) return std::move(slot.route);
  return std::make_unique<Route>(*slot.route);
}

std::vector<ListenerBuilder::VirtualHostDraft> ListenerBuilder::draftVirtualHosts(
    const Listener& listener, const std::vector<ServerRef>& servers) {
  std::vector<VirtualHostDraft> drafts;
  std::map<std::string, std::size_t, std::less<>> byDomain;
  auto draftFor = [&](const std::string& domain) -> VirtualHostDraft& {
    auto [it, inserted] = byDomain.try_emplace(domain, drafts.size());
    if (inserted) drafts.push_back(VirtualHostDraft{domain, false, {}, {}});
    return drafts[it->second];
  };

  for (const auto& server : servers) {
    if (!servesHttpRoutes(*server.server)) continue;
    bool httpsRedirect = server.server->tls && server.server->tls->httpsRedirect;
    std::map<std::size_t, std::vector<RouteDraft>> routesByVs;
    for (std::size_t v = 0; v < virtualServices_.size(); ++v) {
      const auto& vs = *virtualServices_[v];
      bool named = contains(vs.gateways, server.gatewayKey);
      for (const auto& http : vs.http) {
        for (const auto& m : http.match) named = named || contains(m.gateways, server.gatewayKey);
      }
      if (!named) continue;
      auto domains = intersectHosts(v, server);
      if (domains.empty()) continue;
      bound_[v] = true;
      auto [it, inserted] = routesByVs.try_emplace(v);
      if (inserted) it->second = routesFor(v, server.gatewayKey, listener.port);
      // No route of this VS applies on this port/gateway (match.port, per-match gateways):
      // it must not claim the host, or a wildcard virtual host would lose its requests.
      if (it->second.empty()) continue;
      for (const auto& domain : domains) {
        VirtualHostDraft& draft = draftFor(domain);
        draft.requireTls = draft.requireTls || httpsRedirect;
        if (!draft.boundVs.emplace(v, server.gatewayKey).second) continue;
        draft.routes.insert(draft.routes.end(), it->second.begin(), it->second.end());
      }
    }
    if (httpsRedirect) {
      // The redirect applies to every host of the server, bound by a VS or not.
      for (const auto& host : server.hosts) draftFor(host.dnsName).requireTls = true;
    }
  }

  for (auto& draft : drafts) {
    // Istio's SortVHostRoutes: catch-alls after everything else, order otherwise kept.
    std::stable_partition(draft.routes.begin(), draft.routes.end(),
                          [](const RouteDraft& r) { return !r.catchAll; });
    for (const auto& r : draft.routes) ++routeSlots_[r.vs][r.http].uses;
  }
  return drafts;
}

void ListenerBuilder::materialize(VirtualHostTable& table, uint16_t port,
                                  std::vector<VirtualHostDraft>& drafts) {
  for (auto& draft : drafts) {
    auto vhost = std::make_unique<VirtualHost>(draft.domain + ":" + std::to_string(port),
                                               std::vector<std::string>{draft.domain});
    vhost->setRequireTls(draft.requireTls);
    for (const auto& r : draft.routes) vhost->addRouteFromModel(takeRoute(r.vs, r.http), r.matches);
    vhost->finalize();
    table.add(std::move(vhost));
  }
}

void ListenerBuilder::lintVirtualService(const config::VirtualService& vs) {
  if (vs.gateways.empty()) return;
  // Routes after a catch-all that applies everywhere are reported when routes are bound.
  std::size_t end = vs.http.size();
  for (std::size_t i = 0; i < vs.http.size() && end == vs.http.size(); ++i) {
    if (vs.http[i].match.empty()) end = i;
    for (const auto& m : vs.http[i].match) {
      if (isCatchAllMatch(m) && m.port == 0 && m.gateways.empty()) end = i;
    }
  }
  // Earlier match blocks, indexed so the lint stays linear in the number of routes:
  // by a hash of all their conditions (duplicates), and plain prefixes by prefix text.
  std::unordered_multimap<std::size_t, Earlier> byConditions;
  PrefixTable plainPrefixes;  // case-sensitive, keys point into the model
  std::unordered_map<std::string, std::vector<Earlier>> foldedPrefixes;  // ignoreUriCase

  auto findCover = [&](const HttpMatchRequest& m) -> const Earlier* {
    const Earlier* best = nullptr;
    auto consider = [&](const Earlier& e) {
      if (best == nullptr || e.ordinal < best->ordinal) best = &e;
    };
    auto [first, last] = byConditions.equal_range(conditionHash(m));
    for (auto it = first; it != last; ++it) {
      if (sameConditions(*it->second.match, m)) consider(it->second);
    }
    if (!m.uri ||
        (m.uri->kind != StringMatch::Kind::kPrefix && m.uri->kind != StringMatch::Kind::kExact)) {
      return best;
    }
    if (!m.ignoreUriCase && !plainPrefixes.empty()) {
      std::string_view value = m.uri->value;
      for (std::size_t len = 0; len <= value.size(); ++len) {
        auto it = plainPrefixes.find(value.substr(0, len));
        if (it == plainPrefixes.end()) continue;
        for (const auto& e : it->second) {
          if (covers(*e.match, m)) consider(e);
        }
      }
    }
    if (!foldedPrefixes.empty()) {
      std::string value = toLowerAscii(m.uri->value);
      for (std::size_t len = 0; len <= value.size(); ++len) {
        auto it = foldedPrefixes.find(value.substr(0, len));
        if (it == foldedPrefixes.end()) continue;
        for (const auto& e : it->second) {
          if (covers(*e.match, m)) consider(e);
        }
      }
    }
    return best;
  };

  std::size_t ordinal = 0;
  for (std::size_t k = 0; k < end; ++k) {
    const auto& route = vs.http[k];
    if (k > 0 && !route.match.empty()) {
      const Earlier* firstCover = nullptr;
      for (const auto& m : route.match) {
        const Earlier* cover = findCover(m);
        if (cover == nullptr) {
          firstCover = nullptr;
          break;
        }
        if (firstCover == nullptr) firstCover = cover;
      }
      if (firstCover != nullptr) {
        diagnostics_.add(config::Diagnostic{
            config::Severity::kWarning, vs.meta.file, route.mark, vs.meta.displayName(), route.path,
            "unreachable route: " + vs.http[firstCover->http].path + ".match[" +
                std::to_string(firstCover->block) + "] (" + describeUri(*firstCover->match) +
                ") comes first and matches every request it matches"});
      }
    }
    for (std::size_t j = 0; j < route.match.size(); ++j) {
      const auto& m = route.match[j];
      Earlier e{&m, k, j, ordinal++};
      if (!hasNonUriConditions(m) && m.uri && m.uri->kind == StringMatch::Kind::kPrefix) {
        if (m.ignoreUriCase)
          foldedPrefixes[toLowerAscii(m.uri->value)].push_back(e);
        else
          plainPrefixes[m.uri->value].push_back(e);
      }
      byConditions.emplace(conditionHash(m), e);
    }
  }
}

}  // namespace portico::route
