// RateLimitConfig spec (Portico's own kind; schema in docs/rate-limiting.md). Parsed and
// validated here; whether targets exist is checked by the cross validator.
#include <algorithm>
#include <cctype>
#include <set>

#include "istio_rules.h"
#include "portico/config/hostname_rules.h"
#include "portico/config/resource_parsers.h"

namespace portico::config {
namespace {

using istio_rules::goQuote;

void parseTargetRef(NodeReader& node, const ResourceMeta& meta, RateLimitTargetRef& out) {
  out.mark = node.mark();
  auto kind = node.string("kind");
  out.kind = kind.value_or("");
  if (!node.has("kind")) {
    node.context().error(node.mark(), node.fieldPath("kind"), "Required value");
  } else if (kind && out.kind != "VirtualService" && out.kind != "Gateway") {
    node.errorAt("kind", "unsupported kind " + goQuote(out.kind) + " (VirtualService, Gateway)");
  }
  std::string name = node.string("name").value_or("");
  out.ns = meta.ns;
  if (auto slash = name.find('/'); slash != std::string::npos) {
    out.ns = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  if (auto ns = node.string("namespace"); ns && !ns->empty()) out.ns = *ns;
  out.name = name;
  if (!node.has("name")) {
    node.context().error(node.mark(), node.fieldPath("name"), "Required value");
  } else if (name.empty()) {
    node.errorAt("name", "name must not be empty");
  }
  node.finish();
}

void parseKey(NodeReader& node, RateLimit& out) {
  int kinds = 0;
  if (node.has("remoteAddress")) {
    ++kinds;
    out.keyKind = RateLimit::KeyKind::kRemoteAddress;
    if (auto ra = node.child("remoteAddress"); ra && ra->isMap()) ra->finish();
  } else if (node.node()["remoteAddress"] && node.node()["remoteAddress"].IsNull()) {
    ++kinds;  // `remoteAddress:` with nothing after it means the same as `{}`
    out.keyKind = RateLimit::KeyKind::kRemoteAddress;
  }
  if (auto header = node.string("header")) {
    ++kinds;
    out.keyKind = RateLimit::KeyKind::kHeader;
    out.keyHeader = *header;
    std::transform(out.keyHeader.begin(), out.keyHeader.end(), out.keyHeader.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (!istio_rules::isHeaderToken(*header)) {
      node.errorAt("header", "header name " + *header + " is not a valid header name");
    }
  }
  if (kinds != 1) node.error("key must set exactly one of remoteAddress or header");
  node.finish();
}

void parseLimit(NodeReader& node, RateLimit& out, std::set<std::string>& names) {
  out.mark = node.mark();
  auto name = node.string("name");
  out.name = name.value_or("");
  if (!node.has("name")) {
    node.context().error(node.mark(), node.fieldPath("name"), "Required value");
  } else if (!name) {
    // reported by the getter
  } else if (!isDns1123Label(out.name)) {
    node.errorAt("name", "invalid limit name " + goQuote(out.name) +
                             ": must be a DNS-1123 label (lower-case letters, digits, '-')");
  } else if (!names.insert(out.name).second) {
    node.errorAt("name", "duplicate limit name " + goQuote(out.name));
  }
  for (auto& m : node.list("match")) {
    HttpMatchRequest match;
    parseHttpMatchRequest(m, match);
    out.match.push_back(std::move(match));
  }
  if (auto key = node.child("key")) {
    if (key->isMap())
      parseKey(*key, out);
    else
      node.errorAt("key", "expected an object");
  }
  if (auto n = node.integer("requestsPerUnit", INT64_MIN, INT64_MAX)) {
    if (*n < 1)
      node.errorAt("requestsPerUnit", "requestsPerUnit must be at least 1");
    else
      out.requestsPerUnit = static_cast<uint64_t>(*n);
  } else if (!node.has("requestsPerUnit")) {
    node.context().error(node.mark(), node.fieldPath("requestsPerUnit"), "Required value");
  }
  if (auto unit = node.string("unit")) {
    if (*unit == "SECOND")
      out.unit = RateLimit::Unit::kSecond;
    else if (*unit == "MINUTE")
      out.unit = RateLimit::Unit::kMinute;
    else if (*unit == "HOUR")
      out.unit = RateLimit::Unit::kHour;
    else if (*unit == "DAY")
      out.unit = RateLimit::Unit::kDay;
    else
      node.errorAt("unit", "unsupported unit " + goQuote(*unit) + " (SECOND, MINUTE, HOUR, DAY)");
  } else if (!node.has("unit")) {
    node.context().error(node.mark(), node.fieldPath("unit"), "Required value");
  }
  if (auto b = node.integer("burst", INT64_MIN, INT64_MAX)) {
    if (*b < 0)
      node.errorAt("burst", "burst must not be negative");
    else
      out.burst = static_cast<uint64_t>(*b);
  }
  node.finish();
}

void parseRedis(NodeReader& node, RedisRateLimitBackend& out) {
  out.mark = node.mark();
  out.address = node.string("address").value_or("");
  if (!node.has("address")) {
    node.context().error(node.mark(), node.fieldPath("address"), "Required value");
  } else {
    auto colon = out.address.rfind(':');
    std::string host = colon == std::string::npos ? "" : out.address.substr(0, colon);
    std::string port = colon == std::string::npos ? "" : out.address.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    bool portOk =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) &&
        std::stoi(port) >= 1 && std::stoi(port) <= 65535;
    bool hostOk = !host.empty() && (isIpAddress(host) || !checkFqdn(host));
    if (!portOk || !hostOk) {
      node.errorAt("address", "invalid address " + goQuote(out.address) + ": expected host:port");
    }
  }
  if (auto t = node.duration("timeout")) out.timeout = *t;
  if (auto mode = node.string("failureMode")) {
    if (*mode == "ALLOW")
      out.failureMode = RedisRateLimitBackend::FailureMode::kAllow;
    else if (*mode == "DENY")
      out.failureMode = RedisRateLimitBackend::FailureMode::kDeny;
    else
      node.errorAt("failureMode", "unsupported failureMode " + goQuote(*mode) + " (ALLOW, DENY)");
  }
  node.finish();
}

}  // namespace

void parseRateLimitConfigSpec(NodeReader& spec, RateLimitConfig& out) {
  auto refs = spec.list("targetRefs");
  if (refs.empty()) {
    spec.context().error(spec.has("targetRefs") ? spec.markAt("targetRefs") : spec.mark(),
                         spec.fieldPath("targetRefs"), "Required value: at least one target");
  }
  for (auto& node : refs) {
    if (!node.isMap()) {
      node.error("expected an object");
      continue;
    }
    RateLimitTargetRef ref;
    parseTargetRef(node, out.meta, ref);
    out.targetRefs.push_back(std::move(ref));
  }

  auto limits = spec.list("limits");
  if (limits.empty()) {
    spec.context().error(spec.has("limits") ? spec.markAt("limits") : spec.mark(),
                         spec.fieldPath("limits"), "Required value: at least one limit");
  }
  std::set<std::string> names;
  for (auto& node : limits) {
    if (!node.isMap()) {
      node.error("expected an object");
      continue;
    }
    RateLimit limit;
    parseLimit(node, limit, names);
    out.limits.push_back(std::move(limit));
  }

  if (auto backend = spec.object("backend")) {
    if (auto redis = backend->object("redis")) {
      out.redis.emplace();
      parseRedis(*redis, *out.redis);
    }
    backend->finish();
  }
  spec.finish();
}

}  // namespace portico::config
