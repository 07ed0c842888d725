// One VirtualService http[] rule: the conflict rules between route / redirect / directResponse /
// delegate, weighted destinations and the authority rewrite check (Istio's validateHTTPRoute in
// pkg/config/validation/virtualservice.go). Actions and policies are parsed in
// http_route_actions_parser.cpp and http_route_policies_parser.cpp.
#include "istio_rules.h"
#include "portico/config/resource_parsers.h"
#include "virtual_service_parts.h"

namespace portico::config::vs_parts {

using istio_rules::goFloatV;
using istio_rules::goQuote;

std::optional<double> percentObject(NodeReader& parent, std::string_view key) {
  auto p = parent.object(key);
  if (!p) return std::nullopt;
  auto v = p->number("value");
  p->finish();
  return v.value_or(0.0);
}

bool checkFaultPercentage(const NodeReader& parent, std::string_view key, double v) {
  if (v < 0.0 || v > 100.0 || (v > 0.0 && v < 0.0001)) {
    parent.errorAt(key,
                   "percentage " + goFloatV(v) + " is neither 0.0, nor in range [0.0001, 100.0]");
    return false;
  }
  return true;
}

bool checkHttpStatus(const NodeReader& at, std::string_view key, int64_t status) {
  if (status < 200 || status > 599) {
    at.errorAt(key, "HTTP status " + std::to_string(status) + " is not in range 200-599");
    return false;
  }
  return true;
}

bool checkPort(const NodeReader& at, std::string_view key, int64_t port) {
  if (port < 1 || port > 65535) {
    at.errorAt(key, "port number " + std::to_string(port) + " must be in the range 1..65535");
    return false;
  }
  return true;
}

namespace {

void checkAuthorityRewrite(NodeReader& node, const std::optional<HttpRewrite>& rewrite,
                           const Headers& headers) {
  std::string current = rewrite && rewrite->authority ? *rewrite->authority : "";
  for (const auto* ops : {&headers.request.set, &headers.request.add}) {
    for (const auto& [name, value] : *ops) {
      if (name != ":authority" && name != "host") continue;
      if (!current.empty()) {
        node.errorAt("headers", "authority header cannot be set multiple times: have " +
                                    goQuote(current) + ", attempting to set " + goQuote(value));
        return;
      }
      current = value;
    }
  }
}

}  // namespace

void checkWeight(NodeReader& item, int32_t& weight, bool& weightSet) {
  weightSet = item.has("weight");
  auto w = item.integer("weight", kInt32Min, kInt32Max);
  if (!w) return;
  if (*w < 0) {
    item.errorAt("weight", "weight " + std::to_string(*w) + " < 0");
    return;
  }
  weight = static_cast<int32_t>(*w);
}

void checkTotalWeight(NodeReader& parent, std::string_view key, std::size_t count, int64_t total) {
  if (count > 1 && total == 0) parent.errorAt(key, "total destination weight = 0");
}

void parseHttpRoute(NodeReader& node, const RouteContext& context, HttpRoute& out) {
  out.mark = node.mark();
  out.path = node.path();
  if (!node.isMap()) {
    node.error("http route may not be null");
    return;
  }
  out.name = node.string("name").value_or("");

  for (auto& item : node.list("match")) {
    HttpMatchRequest match;
    std::size_t before = node.context().errorCount();
    parseHttpMatchRequest(item, match);
    for (auto& gw : match.gateways) gw = istio_rules::normaliseGatewayReference(gw, context.ns);
    if (node.context().errorCount() == before) out.match.push_back(std::move(match));
  }

  const bool hasRoute = node.has("route");
  const bool hasRedirect = node.has("redirect");
  const bool hasDirect = node.has("directResponse");
  const bool hasDelegate = node.has("delegate");
  const bool hasRewrite = node.has("rewrite");
  const bool hasFault = node.has("fault");

  // validateHTTPRouteConflict
  if (hasDelegate && !context.delegateVs) {
    if (hasRedirect) node.error("root HTTP route " + out.name + " must not specify redirect");
    if (hasRoute) node.error("root HTTP route " + out.name + " must not specify route");
  } else {
    if (hasDelegate) node.errorAt("delegate", "delegate HTTP route cannot contain delegate");
    if (hasRedirect) {
      if (hasRoute) node.error("HTTP route cannot contain both route and redirect");
      if (hasFault) node.error("HTTP route cannot contain both fault and redirect");
      if (hasRewrite) node.error("HTTP route rule cannot contain both rewrite and redirect");
      if (hasDirect) {
        node.error("HTTP route rule cannot contain both direct_response and redirect");
      }
    } else if (hasDirect) {
      if (hasRoute) node.error("HTTP route cannot contain both route and direct_response");
      if (hasFault) node.error("HTTP route cannot contain both fault and direct_response");
      if (hasRewrite) {
        node.error("HTTP route rule cannot contain both rewrite and direct_response");
      }
    } else if (!hasRoute) {
      node.error("HTTP route, redirect or direct_response is required");
    }
  }

  int64_t total = 0;
  auto routes = node.list("route");
  for (auto& item : routes) {
    if (!item.isMap()) {
      item.error("weight may not be nil");
      continue;
    }
    HttpRouteDestination d;
    d.mark = item.mark();
    if (auto dest = item.object("destination")) {
      d.destination = parseDestination(*dest);
    } else {
      item.error("destination is required");
    }
    checkWeight(item, d.weight, d.weightSet);
    if (auto h = item.object("headers")) d.headers = parseHeaders(*h);
    item.finish();
    total += d.weight;
    out.route.push_back(std::move(d));
  }
  checkTotalWeight(node, "route", routes.size(), total);

  if (auto r = node.object("redirect")) out.redirect = parseRedirect(*r, out.match);
  if (auto r = node.object("directResponse")) out.directResponse = parseDirectResponse(*r);
  if (auto d = node.object("delegate")) {
    auto name = d->string("name").value_or("");
    auto ns = d->string("namespace").value_or(context.ns);
    d->finish();
    if (name.empty()) d->error("delegate name is required");
    out.delegate = ns + "/" + name;
    node.warningAt("delegate",
                   "delegate is not implemented by Portico; this route will not be served");
  }
  if (auto r = node.object("rewrite")) out.rewrite = parseRewrite(*r, out.match);
  out.timeout = node.duration("timeout");
  if (auto r = node.object("retries")) out.retries = parseRetries(*r);
  if (auto f = node.object("fault")) out.fault = parseFault(*f);
  parseMirrors(node, out);
  if (auto c = node.object("corsPolicy")) out.corsPolicy = parseCors(*c);
  if (auto h = node.object("headers")) {
    out.headers = parseHeaders(*h);
    checkAuthorityRewrite(node, out.rewrite, out.headers);
  }
  node.finish();
}

}  // namespace portico::config::vs_parts
