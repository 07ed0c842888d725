// VirtualService spec: hosts, gateways, http/tls/tcp routes, with Istio's ValidateVirtualService
// rules (pkg/config/validation/validation.go) and their message text. The http[] rules are in
// http_route_parser.cpp, header operations in header_operations_parser.cpp.
#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

#include "istio_rules.h"
#include "portico/config/hostname_rules.h"
#include "portico/config/resource_parsers.h"
#include "virtual_service_parts.h"

namespace portico::config {

using istio_rules::goQuote;

namespace vs_parts {

Destination parseDestination(NodeReader& node) {
  Destination out;
  out.mark = node.mark();
  out.host = node.string("host").value_or("");
  if (out.host == "*") {
    node.errorAt("host", "invalid destination host *");
  } else if (auto err = checkWildcardDomain(out.host)) {
    if (node.has("host"))
      node.errorAt("host", *err);
    else
      node.error(*err);
  }
  if (auto subset = node.string("subset")) {
    out.subset = *subset;
    if (subset->empty()) {
      node.errorAt("subset", "subset name cannot be empty");
    } else if (!isDns1123Label(*subset)) {
      node.errorAt("subset", "subset name is invalid: " + *subset);
    }
  }
  if (auto port = node.object("port")) {
    auto number = port->integer("number", 0, std::numeric_limits<uint32_t>::max()).value_or(0);
    if (number < 1 || number > 65535) {
      port->error("port number " + std::to_string(number) + " must be in the range 1..65535");
    } else {
      out.port = static_cast<uint32_t>(number);
    }
    port->finish();
  }
  node.finish();
  return out;
}

}  // namespace vs_parts

namespace {

struct VsInfo {
  std::vector<std::string> hosts;
  bool appliesToGateway = false;
};

void parseL4Match(NodeReader& m, bool tls, const VsInfo& vs, const std::string& ns, L4Match& out) {
  out.mark = m.mark();
  if (tls) {
    out.sniHosts = m.stringList("sniHosts");
    if (out.sniHosts.empty()) m.error("TLS match must have at least one SNI host");
    std::size_t i = 0;
    for (auto& item : m.list("sniHosts")) {
      const std::string sni = item.asString().value_or("");
      ++i;
      if (auto err = checkWildcardDomain(sni)) {
        if (isIpAddress(sni)) {
          item.warning("using an IP address (" + goQuote(sni) +
                       ") goes against SNI spec and most clients do not support this");
        } else {
          item.error(*err);
        }
        continue;
      }
      bool subset = false;
      for (const auto& h : vs.hosts) subset = subset || istio_rules::hostSubsetOf(sni, h);
      if (!subset) {
        std::string joined;
        for (const auto& h : vs.hosts) joined += (joined.empty() ? "" : ", ") + h;
        item.error("SNI host " + goQuote(sni) +
                   " is not a compatible subset of any of the virtual service hosts: [" + joined +
                   "]");
      }
    }
  }
  for (auto& item : m.list("destinationSubnets")) {
    auto subnet = item.asString().value_or("");
    if (auto err = istio_rules::checkIpSubnet(subnet); !err.empty()) {
      item.error(err);
    } else {
      out.destinationSubnets.push_back(subnet);
    }
  }
  if (auto port = m.integer("port", 0, std::numeric_limits<uint32_t>::max())) {
    if (*port > 65535) {
      m.errorAt("port", "port number " + std::to_string(*port) + " must be in the range 1..65535");
    } else {
      out.port = static_cast<uint32_t>(*port);
    }
  }
  for (auto& item : m.list("gateways")) {
    auto ref = item.asString();
    if (!ref) {
      item.error("expected a string");
      continue;
    }
    istio_rules::checkGatewayReference(item, *ref);
    out.gateways.push_back(istio_rules::normaliseGatewayReference(*ref, ns));
  }
  const char* why = "is mesh-only (it selects client sidecar workloads); ignored";
  for (std::string_view key : {"sourceLabels", "sourceNamespace"}) {
    m.ignore(key, std::string(key) + " " + why);
  }
  if (!tls) m.ignore("sourceSubnet", std::string("sourceSubnet ") + why);
  m.finish();
}

void parseL4Route(NodeReader& node, bool tls, const VsInfo& vs, const std::string& ns,
                  L4Route& out) {
  out.mark = node.mark();
  out.path = node.path();
  if (!node.isMap()) {
    node.error(tls ? "TLS route may not be null" : "TCP route may not be null");
    return;
  }
  auto matches = node.list("match");
  if (tls && matches.empty()) node.error("TLS route must have at least one match condition");
  for (auto& item : matches) {
    if (!item.isMap()) {
      item.error(tls ? "TLS match may not be null" : "tcp match may not be nil");
      continue;
    }
    L4Match match;
    parseL4Match(item, tls, vs, ns, match);
    out.match.push_back(std::move(match));
  }
  auto routes = node.list("route");
  if (routes.empty()) node.error(tls ? "TLS route is required" : "TCP route is required");
  int64_t total = 0;
  for (auto& item : routes) {
    if (!item.isMap()) {
      item.error("weight may not be nil");
      continue;
    }
    RouteDestination d;
    d.mark = item.mark();
    if (auto dest = item.object("destination")) {
      d.destination = vs_parts::parseDestination(*dest);
    } else {
      item.error("destination is required");
    }
    vs_parts::checkWeight(item, d.weight, d.weightSet);
    item.finish();
    total += d.weight;
    out.route.push_back(std::move(d));
  }
  vs_parts::checkTotalWeight(node, "route", routes.size(), total);
  node.finish();
}

// Istio's OverlappingMatchValidationForHTTPRoute: a prefix match reduced to comparable strings.
struct PrefixMatch {
  std::size_t rule = 0;
  std::string routeStr;
  std::string matchStr;
  std::string prefix;
  uint32_t port = 0;
  std::string method;
  std::string authority;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> queryParams;
  std::map<std::string, std::string> withoutHeaders;
};

std::string exactOrPrefix(const std::optional<StringMatch>& m) {
  if (!m || m->value.empty()) return "";
  if (m->kind == StringMatch::Kind::kExact) return "exact:" + m->value;
  if (m->kind == StringMatch::Kind::kPrefix) return "prefix:" + m->value;
  return "";
}

std::map<std::string, std::string> exactOrPrefix(
    const std::vector<std::pair<std::string, StringMatch>>& in) {
  std::map<std::string, std::string> out;
  for (const auto& [name, m] : in) out[name] = exactOrPrefix(std::optional<StringMatch>(m));
  return out;
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Istio's coveredValidation, including its quirks (method defaults to "exact:GET"; a value
// covers another when it starts with it).
bool covers(const PrefixMatch& a, const PrefixMatch& b) {
  if (!startsWith(b.prefix, a.prefix) || a.port != b.port) return false;
  if (a.method != b.method && !startsWith(a.method, b.method)) return false;
  if (a.authority != b.authority && !startsWith(a.authority, b.authority)) return false;
  using Field = std::map<std::string, std::string> PrefixMatch::*;
  for (Field field :
       {&PrefixMatch::headers, &PrefixMatch::queryParams, &PrefixMatch::withoutHeaders}) {
    const auto& ma = a.*field;
    const auto& mb = b.*field;
    if (ma.size() != mb.size()) return false;
    for (const auto& [key, value] : ma) {
      auto it = mb.find(key);
      if (it == mb.end()) return false;
      if (value != it->second && !startsWith(value, it->second)) return false;
    }
  }
  return true;
}

// A match's identity for duplicate detection: its structure and scalars in YAML order,
// without the top-level `name` (cheaper than cloning and emitting YAML per match).
void appendMatchKey(const YAML::Node& node, std::string& out, bool top) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      out += std::to_string(node.Scalar().size());
      out += ':';
      out += node.Scalar();
      break;
    case YAML::NodeType::Sequence:
      out += '[';
      for (const auto& item : node) appendMatchKey(item, out, false);
      out += ']';
      break;
    case YAML::NodeType::Map:
      out += '{';
      for (const auto& kv : node) {
        if (top && kv.first.IsScalar() && kv.first.Scalar() == "name") continue;
        appendMatchKey(kv.first, out, false);
        appendMatchKey(kv.second, out, false);
      }
      out += '}';
      break;
    default:
      out += '~';
  }
}

// Istio's analyzeUnreachableHTTPRules (warnings only).
void warnUnreachableRules(std::vector<NodeReader>& rules, const std::vector<HttpRoute>& http) {
  auto routeName = [&](std::size_t i) {
    return !http[i].name.empty() ? goQuote(http[i].name) : "#" + std::to_string(i);
  };
  std::map<std::string, std::size_t> seen;
  std::vector<PrefixMatch> prefixMatches;
  bool catchAllSeen = false;
  for (std::size_t i = 0; i < rules.size() && i < http.size(); ++i) {
    auto& rule = rules[i];
    if (!rule.isMap()) continue;
    const YAML::Node matches = rule.node()["match"];
    if (!matches || !matches.IsSequence() || matches.size() == 0) {
      if (catchAllSeen) {
        rule.warning("virtualService rule " + routeName(i) +
                     " not used (only the last rule can have no matches)");
      }
      catchAllSeen = true;
      continue;
    }
    std::size_t duplicates = 0;
    for (std::size_t m = 0; m < matches.size(); ++m) {
      if (catchAllSeen) {
        rule.warning("virtualService rule " + routeName(i) +
                     " not used (route without matches defined before)");
        continue;
      }
      const YAML::Node matchNode = matches[m];
      std::string matchName = "#" + std::to_string(m);
      if (matchNode.IsMap() && matchNode["name"]) {
        matchName = goQuote(matchNode["name"].as<std::string>(""));
      }
      std::string key;
      appendMatchKey(matchNode, key, /*top=*/true);
      auto [it, inserted] = seen.emplace(key, i);
      if (!inserted) {
        rule.warning("virtualService rule " + routeName(i) + " match " + matchName +
                     " is not used (duplicate/overlapping match in rule " + routeName(it->second) +
                     ")");
        ++duplicates;
        continue;
      }
      // The model drops matches with errors; then the config is rejected anyway.
      if (http[i].match.size() != matches.size()) continue;
      const HttpMatchRequest& match = http[i].match[m];
      if (!match.uri || match.uri->kind != StringMatch::Kind::kPrefix || match.uri->value.empty()) {
        continue;
      }
      PrefixMatch pm;
      pm.rule = i;
      pm.routeStr = routeName(i);
      pm.matchStr = matchName;
      pm.prefix = match.uri->value;
      pm.port = match.port;
      pm.method = exactOrPrefix(match.method);
      if (pm.method.empty()) pm.method = "exact:GET";
      pm.authority = exactOrPrefix(match.authority);
      pm.headers = exactOrPrefix(match.headers);
      pm.queryParams = exactOrPrefix(match.queryParams);
      pm.withoutHeaders = exactOrPrefix(match.withoutHeaders);
      prefixMatches.push_back(std::move(pm));
    }
    if (duplicates == matches.size()) {
      rule.warning("virtualService rule " + routeName(i) +
                   " not used (all matches used by prior rules)");
    }
  }
  // Istio compares every pair; only an earlier match whose prefix is a proper prefix of a
  // later one can cover it, so look those up by prefix: linear in the routes instead of
  // quadratic (10,000 routes: 50 million pairs).
  std::unordered_map<std::string_view, std::vector<std::size_t>> byPrefix;
  for (std::size_t i = 0; i < prefixMatches.size(); ++i) {
    byPrefix[prefixMatches[i].prefix].push_back(i);
  }
  std::vector<std::pair<std::size_t, std::size_t>> covered;  // (a, b): a covers b
  for (std::size_t b = 0; b < prefixMatches.size(); ++b) {
    std::string_view prefix = prefixMatches[b].prefix;
    for (std::size_t len = 1; len < prefix.size(); ++len) {
      auto it = byPrefix.find(prefix.substr(0, len));
      if (it == byPrefix.end()) continue;
      for (std::size_t a : it->second) {
        if (a >= b) break;
        if (covers(prefixMatches[a], prefixMatches[b])) covered.emplace_back(a, b);
      }
    }
  }
  std::sort(covered.begin(), covered.end());  // Istio's order: by the covering match first
  for (const auto& [a, b] : covered) {
    {
      const auto& pa = prefixMatches[a];
      const auto& pb = prefixMatches[b];
      rules[pb.rule].warning("virtualService rule " + pb.routeStr + " match " + pb.matchStr +
                             " of prefix " + pb.prefix +
                             " is not used (duplicate/overlapping match in rule " + pa.matchStr +
                             " of prefix " + pa.prefix + " on " + pa.routeStr + ")");
    }
  }
}

}  // namespace

void parseVirtualServiceSpec(NodeReader& spec, VirtualService& out) {
  const std::string& ns = out.meta.ns;
  VsInfo vs;

  auto hostItems = spec.list("hosts");
  for (auto& item : hostItems) {
    auto h = item.asString();
    if (!h) {
      item.error("expected a string");
      continue;
    }
    out.hosts.push_back(*h);
  }
  vs.hosts = out.hosts;

  std::vector<std::string> rawGateways;
  for (auto& item : spec.list("gateways")) {
    auto ref = item.asString();
    if (!ref) {
      item.error("expected a string");
      continue;
    }
    istio_rules::checkGatewayReference(item, *ref);
    rawGateways.push_back(*ref);
    out.gateways.push_back(istio_rules::normaliseGatewayReference(*ref, ns));
  }
  bool hasMesh = std::find(rawGateways.begin(), rawGateways.end(), "mesh") != rawGateways.end();
  vs.appliesToGateway = !rawGateways.empty() && !hasMesh;
  const bool appliesToMesh = !vs.appliesToGateway;

  const bool delegateVs = out.hosts.empty();
  if (delegateVs) {
    if (!rawGateways.empty()) {
      spec.errorAt("gateways", "delegate virtual service must have no gateways specified");
    }
    if (spec.has("tls")) {
      spec.errorAt("tls", "delegate virtual service must have no tls route specified");
    }
    if (spec.has("tcp")) {
      spec.errorAt("tcp", "delegate virtual service must have no tcp route specified");
    }
    spec.warning(
        "no hosts: this is an Istio delegate VirtualService; delegation is not "
        "implemented, so it will not be served");
  } else if (rawGateways.empty()) {
    spec.warning(
        "no gateways: binds only to the mesh, not to this gateway; this VirtualService "
        "will not be served (add spec.gateways)");
  } else if (std::all_of(rawGateways.begin(), rawGateways.end(),
                         [](const std::string& g) { return g == "mesh"; })) {
    spec.warningAt("gateways",
                   "bound only to the mesh, not to this gateway; this "
                   "VirtualService will not be served");
  }

  // Hosts: validity, `*` on the mesh, overlaps.
  bool allHostsValid = true;
  std::vector<std::size_t> hostIndex;
  for (std::size_t i = 0; i < hostItems.size(); ++i) {
    auto h = hostItems[i].asString();
    if (!h) continue;
    hostIndex.push_back(i);
    if (auto err = checkWildcardDomain(*h)) {
      if (!isIpAddress(*h)) {
        hostItems[i].error(*err);
        allHostsValid = false;
      }
    } else if (appliesToMesh && *h == "*") {
      hostItems[i].error(
          "wildcard host * is not allowed for virtual services bound to the mesh gateway");
      allHostsValid = false;
    }
  }
  if (allHostsValid) {
    for (std::size_t i = 0; i < out.hosts.size(); ++i) {
      for (std::size_t j = i + 1; j < out.hosts.size(); ++j) {
        if (istio_rules::hostsOverlap(out.hosts[i], out.hosts[j])) {
          hostItems[hostIndex[j]].error("duplicate hosts in virtual service: " + out.hosts[i] +
                                        " & " + out.hosts[j]);
        }
      }
    }
  }

  vs_parts::RouteContext context{ns, delegateVs};
  auto httpItems = spec.list("http");
  for (auto& item : httpItems) {
    HttpRoute route;
    vs_parts::parseHttpRoute(item, context, route);
    out.http.push_back(std::move(route));
  }
  for (auto& item : spec.list("tls")) {
    L4Route route;
    parseL4Route(item, true, vs, ns, route);
    out.tls.push_back(std::move(route));
  }
  for (auto& item : spec.list("tcp")) {
    L4Route route;
    parseL4Route(item, false, vs, ns, route);
    out.tcp.push_back(std::move(route));
  }
  if (httpItems.empty() && out.tls.empty() && out.tcp.empty()) {
    spec.error("http, tcp or tls must be provided in virtual service");
  }
  spec.ignore("exportTo",
              "exportTo is mesh-only (namespace visibility); ignored, every VirtualService "
              "bound to this gateway is used");
  warnUnreachableRules(httpItems, out.http);
  spec.finish();
}

}  // namespace portico::config
