#include "portico/route/route_builder.h"

#include <cctype>
#include <cmath>
#include <utility>

namespace portico::route {
namespace {

bool isAuthorityHeader(const std::string& name) { return name == "host" || name == ":authority"; }

// Header operations as Envoy applies them. A request set/add of host or :authority becomes
// the host rewrite (set wins over add); removing pseudo-headers or host is not possible.
HeaderMutation toMutation(const config::HeaderOperations& ops,
                          std::optional<std::string>* hostRewrite) {
  HeaderMutation out;
  std::optional<std::string> setHost;
  std::optional<std::string> addHost;
  for (const auto& [name, value] : ops.set) {
    if (hostRewrite != nullptr && isAuthorityHeader(name)) {
      setHost = value;
    } else {
      out.set.emplace_back(name, value);
    }
  }
  for (const auto& [name, value] : ops.add) {
    if (hostRewrite != nullptr && isAuthorityHeader(name)) {
      addHost = value;
    } else {
      out.add.emplace_back(name, value);
    }
  }
  for (const auto& name : ops.remove) {
    if (!name.starts_with(':') && name != "host") out.remove.push_back(name);
  }
  if (hostRewrite != nullptr) {
    if (setHost)
      *hostRewrite = setHost;
    else if (addHost)
      *hostRewrite = addHost;
  }
  return out;
}

uint32_t perMillion(double percentage) {
  if (percentage <= 0) return 0;
  if (percentage >= 100) return 1000000;
  return static_cast<uint32_t>(std::lround(percentage * 10000.0));
}

}  // namespace

void RouteBuilder::warn(const config::VirtualService& vs, config::Mark mark, std::string field,
                        std::string message) {
  diagnostics_.add(config::Diagnostic{config::Severity::kWarning, vs.meta.file, mark,
                                      vs.meta.displayName(), std::move(field), std::move(message)});
}

void RouteBuilder::parseRetryOn(std::string_view retryOn, RetryPolicy& policy,
                                std::vector<std::string>* unsupported) {
  static const std::pair<std::string_view, uint32_t> kNames[] = {
      {"5xx", RetryPolicy::k5xx},
      {"gateway-error", RetryPolicy::kGatewayError},
      {"reset", RetryPolicy::kReset},
      {"reset-before-request", RetryPolicy::kResetBeforeRequest},
      {"connect-failure", RetryPolicy::kConnectFailure},
      {"retriable-4xx", RetryPolicy::kRetriable4xx},
      {"refused-stream", RetryPolicy::kRefusedStream},
      {"retriable-status-codes", RetryPolicy::kRetriableStatusCodes},
      {"cancelled", RetryPolicy::kCancelled},
      {"deadline-exceeded", RetryPolicy::kDeadlineExceeded},
      {"internal", RetryPolicy::kInternal},
      {"resource-exhausted", RetryPolicy::kResourceExhausted},
      {"unavailable", RetryPolicy::kUnavailable},
  };
  policy.retryOn = 0;
  policy.retriableStatusCodes.clear();
  while (!retryOn.empty()) {
    auto comma = retryOn.find(',');
    std::string_view item = retryOn.substr(0, comma);
    retryOn = comma == std::string_view::npos ? std::string_view() : retryOn.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    bool known = false;
    for (const auto& [name, bit] : kNames) {
      if (item == name) {
        policy.retryOn |= bit;
        known = true;
      }
    }
    if (!known && item.size() == 3 && std::isdigit(static_cast<unsigned char>(item[0])) &&
        std::isdigit(static_cast<unsigned char>(item[1])) &&
        std::isdigit(static_cast<unsigned char>(item[2]))) {
      // Numeric codes go to retriable_status_codes, which switches that policy on.
      policy.retriableStatusCodes.push_back(static_cast<uint32_t>(std::stoul(std::string(item))));
      policy.retryOn |= RetryPolicy::kRetriableStatusCodes;
      known = true;
    }
    if (!known && unsupported != nullptr) unsupported->emplace_back(item);
  }
}

ForwardAction RouteBuilder::buildForward(const config::VirtualService& vs,
                                         const config::HttpRoute& http) {
  ForwardAction action;
  bool single = http.route.size() == 1;
  bool anyPositive = false;
  for (const auto& dest : http.route) anyPositive |= dest.weight > 0;
  for (std::size_t i = 0; i < http.route.size(); ++i) {
    const auto& dest = http.route[i];
    uint32_t weight;
    if (single) {
      weight = 100;  // a single destination takes everything, whatever its weight
    } else if (anyPositive) {
      if (dest.weight <= 0) continue;  // zero weight: no traffic
      weight = static_cast<uint32_t>(dest.weight);
    } else {
      weight = 1;  // validation rejects an all-zero split; split evenly if one gets here
    }
    std::string field = http.path + ".route[" + std::to_string(i) + "].destination";
    WeightedCluster cluster;
    cluster.clusterName = clusters_.clusterFor(dest.destination, vs.meta, field);
    cluster.weight = weight;
    cluster.requestHeaders = toMutation(dest.headers.request, &cluster.hostRewrite);
    cluster.responseHeaders = toMutation(dest.headers.response, nullptr);
    action.totalWeight += weight;
    action.clusters.push_back(std::move(cluster));
  }
  return action;
}

std::unique_ptr<Route> RouteBuilder::build(const config::VirtualService& vs,
                                           std::size_t httpIndex) {
  const config::HttpRoute& http = vs.http[httpIndex];
  auto route = std::make_unique<Route>();
  route->virtualService = vs.meta.ns + "/" + vs.meta.name;
  route->name = !http.name.empty()
                    ? http.name
                    : route->virtualService + "/http[" + std::to_string(httpIndex) + "]";

  if (http.redirect) {
    const auto& r = *http.redirect;
    RedirectAction redirect;
    redirect.scheme = r.scheme;
    redirect.authority = r.authority;
    redirect.path = r.uri;
    redirect.prefixRewrite = r.prefixRewrite;
    redirect.port = r.port;
    redirect.derivePort = r.derivePort;
    redirect.code = r.redirectCode == 0 ? 301 : r.redirectCode;
    route->action = std::move(redirect);
  } else if (http.directResponse) {
    route->action = DirectResponseAction{http.directResponse->status,
                                         http.directResponse->body.value_or(std::string())};
  } else {
    route->action = buildForward(vs, http);
  }

  route->requestHeaders = toMutation(http.headers.request, &route->hostRewrite);
  route->responseHeaders = toMutation(http.headers.response, nullptr);
  if (http.rewrite) {
    if (http.rewrite->uri) {
      route->rewrite.kind = PathRewrite::Kind::kPrefix;
      route->rewrite.replacement = *http.rewrite->uri;
    } else if (http.rewrite->uriRegexRewrite) {
      RE2::Options options;
      options.set_log_errors(false);
      auto regex = std::make_shared<const RE2>(http.rewrite->uriRegexRewrite->match, options);
      if (regex->ok()) {
        route->rewrite.kind = PathRewrite::Kind::kRegex;
        route->rewrite.regex = std::move(regex);
        route->rewrite.substitution = http.rewrite->uriRegexRewrite->rewrite;
      } else {
        warn(vs, http.rewrite->uriRegexRewrite->mark, http.path + ".rewrite.uriRegexRewrite.match",
             "invalid RE2 regex: " + regex->error() + "; rewrite ignored");
      }
    }
    // rewrite.authority takes precedence over a host header operation.
    if (http.rewrite->authority) route->hostRewrite = http.rewrite->authority;
  }
  route->timeout = http.timeout;

  if (http.retries) {
    const auto& r = *http.retries;
    route->retry.numRetries = r.attempts > 0 ? static_cast<uint32_t>(r.attempts) : 0;
    route->retry.perTryTimeout = r.perTryTimeout;
    if (r.retryOn) {
      std::vector<std::string> unsupported;
      parseRetryOn(*r.retryOn, route->retry, &unsupported);
      for (const auto& name : unsupported) {
        warn(vs, r.mark, http.path + ".retries.retryOn",
             "retry policy \"" + name + "\" is not supported by Portico; ignored");
      }
    }
    if (r.retryIgnorePreviousHosts) route->retry.retryPreviousHosts = *r.retryIgnorePreviousHosts;
    if (r.backoff) route->retry.backoffBase = *r.backoff;
  }

  // With consistent hashing a retry should go back to the same host, unless the user
  // asked otherwise (Istio: retryIgnorePreviousHosts defaults to false then).
  bool explicitPreviousHosts = http.retries && http.retries->retryIgnorePreviousHosts;
  if (!explicitPreviousHosts) {
    if (const auto* forward = std::get_if<ForwardAction>(&route->action)) {
      if (!forward->clusters.empty() &&
          clusters_.usesConsistentHash(forward->clusters.front().clusterName)) {
        route->retry.retryPreviousHosts = false;
      }
    }
  }

  if (http.fault) {
    FaultPolicy fault;
    if (http.fault->delay) {
      fault.delay = http.fault->delay->fixedDelay;
      fault.delayPerMillion = perMillion(http.fault->delay->percentage);
    }
    if (http.fault->abort) {
      fault.abortStatus = static_cast<uint32_t>(std::max(0, http.fault->abort->httpStatus));
      if (!http.fault->abort->grpcStatus.empty()) {
        fault.abortGrpcStatus = config::grpcStatusCode(http.fault->abort->grpcStatus);
      }
      fault.abortPerMillion = perMillion(http.fault->abort->percentage);
    }
    route->fault = std::move(fault);
  }

  for (std::size_t i = 0; i < http.mirrors.size(); ++i) {
    const auto& mirror = http.mirrors[i];
    std::string field = http.path + ".mirrors[" + std::to_string(i) + "].destination";
    route->mirrors.push_back(MirrorPolicy{clusters_.clusterFor(mirror.destination, vs.meta, field),
                                          perMillion(mirror.percentage)});
  }
  route->cors = http.corsPolicy;
  return route;
}

}  // namespace portico::route
