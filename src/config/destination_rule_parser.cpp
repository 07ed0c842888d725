// DestinationRule spec: Istio's validateDestinationRule / validateTrafficPolicy and the CRD
// schema rules on warmup.
#include <cmath>
#include <set>

#include "istio_rules.h"
#include "portico/config/hostname_rules.h"
#include "portico/config/resource_parsers.h"

namespace portico::config {
namespace {

using istio_rules::goQuote;

std::string formatNumber(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

bool isPrime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// An int32 limit that Istio requires to be non-negative; 0 means unset.
uint32_t nonNegative(NodeReader& node, std::string_view key, const char* what) {
  auto v = node.integer(key, INT32_MIN, INT32_MAX);
  if (!v) return 0;
  if (*v < 0) {
    node.errorAt(key, std::string(what) + " must be non-negative");
    return 0;
  }
  return static_cast<uint32_t>(*v);
}

void parseWarmup(NodeReader& warmup) {
  if (!warmup.has("duration")) {
    warmup.context().error(warmup.mark(), warmup.fieldPath("duration"), "Required value");
  } else {
    warmup.duration("duration");
  }
  if (auto p = warmup.number("minimumPercent"); p && (*p < 0 || *p > 100)) {
    warmup.errorAt("minimumPercent",
                   "Invalid value: " + formatNumber(*p) + ": must be between 0 and 100");
  }
  if (auto a = warmup.number("aggression"); a && *a < 0) {
    warmup.errorAt("aggression",
                   "Invalid value: " + formatNumber(*a) + ": must be greater than or equal to 0");
  }
  warmup.finish();
}

void parseConsistentHash(NodeReader& node, LoadBalancerSettings::ConsistentHash& out) {
  int keys = 0;
  if (auto v = node.string("httpHeaderName")) {
    out.httpHeaderName = *v;
    ++keys;
  }
  if (auto cookie = node.object("httpCookie")) {
    ++keys;
    out.httpCookieName = cookie->string("name").value_or("");
    if (out.httpCookieName.empty()) cookie->error("name required for HttpCookie");
    out.httpCookiePath = cookie->string("path").value_or("");
    if (cookie->has("ttl")) {
      // ttl 0s is meaningful (session cookie), which the generic duration getter rejects.
      auto text = cookie->child("ttl")->asString();
      auto parsed = text ? parseDurationString(*text) : std::nullopt;
      if (!parsed)
        cookie->errorAt("ttl", "invalid duration " + goQuote(text.value_or("")));
      else
        out.httpCookieTtl = std::chrono::duration_cast<Duration>(*parsed);
    }
    std::set<std::string> attributeNames;
    auto attributes = cookie->list("attributes");
    for (auto& attr : attributes) {
      auto name = attr.string("name").value_or("");
      attr.string("value");
      if (name.empty())
        attr.error("name required for HttpCookie attribute");
      else if (!attributeNames.insert(name).second) {
        attr.errorAt("name", "cookie attribute name " + goQuote(name) + " must be unique");
      }
      attr.finish();
    }
    if (!attributes.empty()) {
      cookie->warningAt("attributes", "not implemented, ignored");
    }
    cookie->finish();
  }
  if (auto v = node.boolean("useSourceIp")) {
    out.useSourceIp = *v;
    ++keys;
  }
  if (auto v = node.string("httpQueryParameterName")) {
    out.httpQueryParameterName = *v;
    ++keys;
  }
  if (keys > 1) {
    node.error(
        "only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName may "
        "be set");
  }
  const bool deprecatedRing = node.has("minimumRingSize");
  if (deprecatedRing) {
    if (auto v = node.integer("minimumRingSize", 0, INT64_MAX)) out.minimumRingSize = *v;
    node.warningAt("minimumRingSize", "deprecated; use ringHash.minimumRingSize");
  }
  auto ring = node.object("ringHash");
  auto maglev = node.object("maglev");
  if (ring && maglev) node.error("only one of ringHash or maglev may be set");
  if (deprecatedRing && (ring || maglev)) {
    node.errorAt("minimumRingSize",
                 "minimumRingSize cannot be set together with ringHash or maglev");
  }
  if (ring) {
    if (auto v = ring->integer("minimumRingSize", 0, INT64_MAX)) out.minimumRingSize = *v;
    ring->finish();
  }
  if (maglev) {
    if (auto v = maglev->integer("tableSize", 0, INT64_MAX)) {
      if (*v >= 5000011)
        maglev->errorAt("tableSize", "tableSize must be less than 5000011 for maglev");
      else if (!isPrime(static_cast<uint64_t>(*v))) {
        maglev->errorAt("tableSize", "tableSize must be a prime number for maglev");
      } else {
        out.maglevTableSize = static_cast<uint64_t>(*v);
      }
    }
    maglev->finish();
  }
  node.finish();
}

LoadBalancerSettings parseLoadBalancer(NodeReader& node) {
  LoadBalancerSettings out;
  out.mark = node.mark();
  bool simpleSet = false;
  if (auto s = node.string("simple")) {
    simpleSet = true;
    using S = LoadBalancerSettings::Simple;
    if (*s == "UNSPECIFIED")
      out.simple = S::kUnspecified;
    else if (*s == "LEAST_REQUEST")
      out.simple = S::kLeastRequest;
    else if (*s == "LEAST_CONN") {
      out.simple = S::kLeastRequest;
      node.warningAt("simple", "LEAST_CONN is deprecated; treated as LEAST_REQUEST");
    } else if (*s == "RANDOM")
      out.simple = S::kRandom;
    else if (*s == "ROUND_ROBIN")
      out.simple = S::kRoundRobin;
    else if (*s == "PASSTHROUGH") {
      out.simple = S::kPassthrough;
      node.warningAt("simple",
                     "PASSTHROUGH (original destination) is not meaningful at an "
                     "ingress gateway");
    } else {
      node.errorAt("simple", "unsupported load balancer " + goQuote(*s) +
                                 " (UNSPECIFIED, LEAST_REQUEST, LEAST_CONN, RANDOM, ROUND_ROBIN, "
                                 "PASSTHROUGH)");
    }
  }
  if (auto ch = node.object("consistentHash")) {
    if (simpleSet) node.error("only one of simple or consistentHash may be set");
    out.consistentHash.emplace();
    parseConsistentHash(*ch, *out.consistentHash);
  }
  if (auto locality = node.object("localityLbSetting")) {
    node.warningAt("localityLbSetting", "not implemented, ignored");
  }
  node.ignore("zoneAwareLbSetting", "mesh-only, ignored");
  if (auto warmup = node.object("warmup")) {
    parseWarmup(*warmup);
    node.warningAt("warmup", "slow start is not implemented, ignored");
  }
  if (node.has("warmupDurationSecs")) {
    node.duration("warmupDurationSecs");
    node.warningAt("warmupDurationSecs", "slow start is not implemented, ignored");
  }
  node.finish();
  return out;
}

ConnectionPoolSettings parseConnectionPool(NodeReader& node) {
  ConnectionPoolSettings out;
  out.mark = node.mark();
  auto tcp = node.object("tcp");
  auto http = node.object("http");
  if (!tcp && !http) node.error("connection pool must have at least one field");
  if (tcp) {
    out.maxConnections = nonNegative(*tcp, "maxConnections", "max connections");
    out.connectTimeout = tcp->duration("connectTimeout");
    out.maxConnectionDuration = tcp->duration("maxConnectionDuration");
    if (tcp->has("idleTimeout")) {
      auto text = tcp->child("idleTimeout")->asString();
      auto parsed = text ? parseDurationString(*text) : std::nullopt;
      if (parsed && parsed->count() == 0)
        out.tcpIdleTimeout = Duration{0};  // 0s disables
      else
        out.tcpIdleTimeout = tcp->duration("idleTimeout");
    }
    if (auto ka = tcp->object("tcpKeepalive")) {
      nonNegative(*ka, "probes", "keepalive probes");
      ka->duration("time");
      ka->duration("interval");
      ka->finish();
      tcp->warningAt("tcpKeepalive", "not implemented, ignored");
    }
    tcp->finish();
  }
  if (http) {
    out.http1MaxPendingRequests =
        nonNegative(*http, "http1MaxPendingRequests", "http1 max pending requests");
    out.http2MaxRequests = nonNegative(*http, "http2MaxRequests", "http2 max requests");
    out.maxRequestsPerConnection =
        nonNegative(*http, "maxRequestsPerConnection", "max requests per connection");
    out.maxRetries = nonNegative(*http, "maxRetries", "max retries");
    out.maxConcurrentStreams = nonNegative(*http, "maxConcurrentStreams", "max concurrent streams");
    out.httpIdleTimeout = http->duration("idleTimeout");
    if (auto p = http->string("h2UpgradePolicy")) {
      using P = ConnectionPoolSettings::H2UpgradePolicy;
      if (*p == "DEFAULT")
        out.h2UpgradePolicy = P::kDefault;
      else if (*p == "DO_NOT_UPGRADE")
        out.h2UpgradePolicy = P::kDoNotUpgrade;
      else if (*p == "UPGRADE")
        out.h2UpgradePolicy = P::kUpgrade;
      else {
        http->errorAt("h2UpgradePolicy", "unsupported h2UpgradePolicy " + goQuote(*p) +
                                             " (DEFAULT, DO_NOT_UPGRADE, UPGRADE)");
      }
    }
    if (auto v = http->boolean("useClientProtocol")) out.useClientProtocol = *v;
    if (out.useClientProtocol &&
        out.h2UpgradePolicy == ConnectionPoolSettings::H2UpgradePolicy::kUpgrade) {
      http->errorAt("useClientProtocol",
                    "use client protocol must not be true when H2UpgradePolicy is UPGRADE");
    }
    if (auto ka = http->object("http2KeepAlive")) {
      if (!ka->has("interval") || !ka->has("timeout")) {
        ka->error("http2KeepAlive requires both interval and timeout");
      }
      ka->duration("interval");
      ka->duration("timeout");
      ka->finish();
      http->warningAt("http2KeepAlive", "not implemented, ignored");
    }
    http->finish();
  }
  node.finish();
  return out;
}

OutlierDetection parseOutlierDetection(NodeReader& node) {
  OutlierDetection out;
  out.mark = node.mark();
  auto uint = [&](std::string_view key) -> std::optional<uint32_t> {
    auto v = node.integer(key, 0, UINT32_MAX);
    if (!v) return std::nullopt;
    return static_cast<uint32_t>(*v);
  };
  auto fiveXx = uint("consecutive5xxErrors");
  if (node.has("consecutiveErrors")) {
    node.warningAt("consecutiveErrors", "deprecated; use consecutive5xxErrors (treated as such)");
    auto v = node.integer("consecutiveErrors", INT32_MIN, INT32_MAX);
    if (v && *v < 0)
      node.errorAt("consecutiveErrors",
                   "outlier detection consecutive errors must be non-negative");
    else if (v && !fiveXx)
      fiveXx = static_cast<uint32_t>(*v);
  }
  if (fiveXx) out.consecutive5xxErrors = *fiveXx;
  out.consecutiveGatewayErrors = uint("consecutiveGatewayErrors");
  out.consecutiveLocalOriginFailures = uint("consecutiveLocalOriginFailures");
  if (auto v = node.boolean("splitExternalLocalOriginErrors"))
    out.splitExternalLocalOriginErrors = *v;
  if (out.consecutiveLocalOriginFailures && !out.splitExternalLocalOriginErrors) {
    node.errorAt("consecutiveLocalOriginFailures",
                 "outlier detection consecutive local origin failures is specified, but split "
                 "external local origin errors is set to false");
  }
  if (auto v = node.duration("interval")) out.interval = *v;
  if (auto v = node.duration("baseEjectionTime")) out.baseEjectionTime = *v;
  for (auto [key, field] : {std::pair{"maxEjectionPercent", &out.maxEjectionPercent},
                            std::pair{"minHealthPercent", &out.minHealthPercent}}) {
    if (auto v = node.integer(key, INT32_MIN, INT32_MAX)) {
      if (*v < 0 || *v > 100) {
        node.errorAt(key, "percentage " + std::to_string(*v) + " is not in range 0..100");
      } else {
        *field = static_cast<int32_t>(*v);
      }
    }
  }
  if (!node.list("outlierDetectionHttpErrorCodes").empty()) {
    node.warningAt("outlierDetectionHttpErrorCodes", "not implemented, ignored");
  }
  node.finish();
  return out;
}

ClientTlsSettings parseClientTls(NodeReader& node) {
  ClientTlsSettings out;
  out.mark = node.mark();
  if (auto m = node.string("mode")) {
    using M = ClientTlsSettings::Mode;
    if (*m == "DISABLE")
      out.mode = M::kDisable;
    else if (*m == "SIMPLE")
      out.mode = M::kSimple;
    else if (*m == "MUTUAL")
      out.mode = M::kMutual;
    else if (*m == "ISTIO_MUTUAL") {
      out.mode = M::kIstioMutual;
      node.warningAt("mode",
                     "ISTIO_MUTUAL is mesh-only (Istio-issued certificates); not "
                     "supported by a standalone gateway");
    } else {
      node.errorAt("mode", "unsupported TLS mode " + goQuote(*m) +
                               " (DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL)");
    }
  }
  out.clientCertificate = node.string("clientCertificate").value_or("");
  out.privateKey = node.string("privateKey").value_or("");
  out.caCertificates = node.string("caCertificates").value_or("");
  out.caCrl = node.string("caCrl").value_or("");
  out.credentialName = node.string("credentialName").value_or("");
  out.subjectAltNames = node.stringList("subjectAltNames");
  out.sni = node.string("sni").value_or("");
  if (auto v = node.boolean("insecureSkipVerify")) out.insecureSkipVerify = *v;
  node.finish();

  if (out.mode == ClientTlsSettings::Mode::kMutual && out.credentialName.empty()) {
    if (out.clientCertificate.empty()) node.error("client certificate required for mutual tls");
    if (out.privateKey.empty()) node.error("private key required for mutual tls");
  }
  if (!out.credentialName.empty() &&
      (!out.clientCertificate.empty() || !out.privateKey.empty() || !out.caCertificates.empty())) {
    node.errorAt("credentialName",
                 "cannot specify client certificates or CA certificate when credentialName is set");
  }
  if (!out.caCrl.empty() && !out.credentialName.empty()) {
    node.errorAt("caCrl", "CRL is not supported with credentialName");
  }
  if (out.insecureSkipVerify && out.mode == ClientTlsSettings::Mode::kSimple &&
      (!out.caCertificates.empty() || !out.credentialName.empty() ||
       !out.subjectAltNames.empty())) {
    node.errorAt("insecureSkipVerify",
                 "cannot specify CaCertificates, credentialName or "
                 "SubjectAltNames when InsecureSkipVerify is set");
  }
  return out;
}

// The fields shared by TrafficPolicy and its portLevelSettings entries; returns how many
// were present.
template <typename Policy>
int parsePolicyFields(NodeReader& node, Policy& out) {
  int fields = 0;
  if (auto lb = node.object("loadBalancer")) {
    ++fields;
    out.loadBalancer = parseLoadBalancer(*lb);
  }
  if (auto cp = node.object("connectionPool")) {
    ++fields;
    out.connectionPool = parseConnectionPool(*cp);
  }
  if (auto od = node.object("outlierDetection")) {
    ++fields;
    out.outlierDetection = parseOutlierDetection(*od);
  }
  if (auto tls = node.object("tls")) {
    ++fields;
    out.tls = parseClientTls(*tls);
  }
  return fields;
}

TrafficPolicy parseTrafficPolicy(NodeReader& node) {
  TrafficPolicy out;
  out.mark = node.mark();
  int fields = parsePolicyFields(node, out);
  for (auto& item : node.list("portLevelSettings")) {
    if (!item.isMap()) {
      item.error("expected an object");
      continue;
    }
    ++fields;
    PortTrafficPolicy port;
    port.mark = item.mark();
    if (auto p = item.object("port")) {
      if (auto n = p->integer("number", 0, UINT32_MAX)) {
        if (*n < 1 || *n > 65535) {
          p->errorAt("number",
                     "port number " + std::to_string(*n) + " must be in the range 1..65535");
        } else {
          port.port = static_cast<uint32_t>(*n);
        }
      } else if (!p->has("number")) {
        p->error("port number: Required value");
      }
      p->finish();
    } else {
      item.error("port: Required value");
    }
    if (parsePolicyFields(item, port) == 0) {
      item.error("port traffic policy must have at least one field");
    }
    item.finish();
    out.portLevelSettings.push_back(std::move(port));
  }
  for (const char* key : {"tunnel", "proxyProtocol", "retryBudget"}) {
    if (node.has(key)) {
      ++fields;
      node.warningAt(key, "not implemented, ignored");
    }
  }
  if (fields == 0) node.error("traffic policy must have at least one field");
  node.finish();
  return out;
}

}  // namespace

void parseDestinationRuleSpec(NodeReader& spec, DestinationRule& out) {
  auto host = spec.string("host");  // a non-string was reported by the getter
  out.host = host.value_or("");
  if (!spec.has("host")) {
    spec.context().error(spec.mark(), spec.fieldPath("host"), "Required value");
  } else if (auto problem = host ? checkWildcardDomain(out.host) : std::nullopt) {
    spec.errorAt("host", *problem);
  }
  if (auto tp = spec.object("trafficPolicy")) out.trafficPolicy = parseTrafficPolicy(*tp);

  std::set<std::string> names;
  for (auto& item : spec.list("subsets")) {
    if (!item.isMap()) {
      item.error("expected an object");
      continue;
    }
    Subset subset;
    subset.mark = item.mark();
    subset.name = item.string("name").value_or("");
    if (subset.name.empty()) {
      item.error("subset name: Required value");
    } else if (!isDns1123Label(subset.name)) {
      item.errorAt("name", "subset name is invalid: " + subset.name);
    } else if (!names.insert(subset.name).second) {
      item.errorAt("name", "duplicate subset names: " + subset.name);
    }
    subset.labels = item.stringMap("labels");
    if (auto tp = item.object("trafficPolicy")) subset.trafficPolicy = parseTrafficPolicy(*tp);
    item.finish();
    out.subsets.push_back(std::move(subset));
  }
  spec.ignore("exportTo", "mesh-only (namespace visibility), ignored");
  spec.ignore("workloadSelector", "mesh-only (selects sidecars), ignored");
  spec.finish();
}

}  // namespace portico::config
