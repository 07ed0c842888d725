// Typed model of an Istio VirtualService.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "portico/config/common.h"

namespace portico::config {

struct HttpMatchRequest {
  std::string name;
  std::optional<StringMatch> uri;
  std::optional<StringMatch> scheme;
  std::optional<StringMatch> method;
  std::optional<StringMatch> authority;
  std::vector<std::pair<std::string, StringMatch>> headers;         // names lower-cased
  std::vector<std::pair<std::string, StringMatch>> withoutHeaders;  // names lower-cased
  std::vector<std::pair<std::string, StringMatch>> queryParams;
  uint32_t port = 0;  // 0: any listener port
  bool ignoreUriCase = false;
  std::vector<std::string> gateways;  // per-match override of VirtualService.gateways
  std::string statPrefix;             // Envoy route stat_prefix; empty: none
  Mark mark;
};

struct HttpRouteDestination {
  Destination destination;
  int32_t weight = 0;
  bool weightSet = false;
  Headers headers;
  Mark mark;
};

struct RegexRewrite {
  std::string match;
  std::string rewrite;
  Mark mark;
};

struct HttpRewrite {
  std::optional<std::string> uri;
  std::optional<std::string> authority;
  std::optional<RegexRewrite> uriRegexRewrite;
  Mark mark;
};

struct HttpRedirect {
  enum class DerivePort { kNone, kFromProtocolDefault, kFromRequestPort };
  std::optional<std::string> uri;
  std::optional<std::string> prefixRewrite;
  std::optional<std::string> authority;
  std::optional<std::string> scheme;
  uint32_t port = 0;
  DerivePort derivePort = DerivePort::kNone;
  uint32_t redirectCode = 301;
  Mark mark;
};

struct HttpDirectResponse {
  uint32_t status = 0;
  std::optional<std::string> body;  // decoded (body.string, or body.bytes base64-decoded)
  Mark mark;
};

struct HttpRetry {
  int32_t attempts = 0;
  std::optional<Duration> perTryTimeout;
  std::optional<std::string> retryOn;  // comma-separated, as written
  std::optional<bool> retryIgnorePreviousHosts;
  std::optional<Duration> backoff;
  Mark mark;
};

struct HttpFaultInjection {
  struct Delay {
    Duration fixedDelay{0};
    double percentage = 0;  // 0..100; unset = 0 (nothing is delayed), deprecated `percent` honoured
    Mark mark;
  };
  struct Abort {
    int32_t httpStatus = 0;
    std::string grpcStatus;
    double percentage = 0;
    Mark mark;
  };
  std::optional<Delay> delay;
  std::optional<Abort> abort;
  Mark mark;
};

struct HttpMirror {
  Destination destination;
  double percentage = 100;  // absent: 100%
  Mark mark;
};

struct CorsPolicy {
  enum class UnmatchedPreflights { kForward, kIgnore };
  std::vector<StringMatch> allowOrigins;  // deprecated allowOrigin folded in as exact matches
  std::vector<std::string> allowMethods;
  std::vector<std::string> allowHeaders;
  std::vector<std::string> exposeHeaders;
  std::optional<Duration> maxAge;
  std::optional<bool> allowCredentials;
  UnmatchedPreflights unmatchedPreflights = UnmatchedPreflights::kForward;
  Mark mark;
};

struct HttpRoute {
  std::string name;
  std::vector<HttpMatchRequest> match;
  std::vector<HttpRouteDestination> route;
  std::optional<HttpRedirect> redirect;
  std::optional<HttpDirectResponse> directResponse;
  std::optional<HttpRewrite> rewrite;
  std::optional<Duration> timeout;
  std::optional<HttpRetry> retries;
  std::optional<HttpFaultInjection> fault;
  std::vector<HttpMirror> mirrors;  // `mirror` + `mirrorPercentage` folded in as one entry
  std::optional<CorsPolicy> corsPolicy;
  Headers headers;
  // "namespace/name" of a delegate VirtualService. Delegation is not implemented: the parser
  // warns and the compiler skips such a route.
  std::optional<std::string> delegate;
  Mark mark;
  std::string path;  // "spec.http[2]"
};

struct L4Match {
  std::vector<std::string> sniHosts;
  std::vector<std::string> destinationSubnets;
  uint32_t port = 0;
  std::vector<std::string> gateways;
  Mark mark;
};

struct RouteDestination {
  Destination destination;
  int32_t weight = 0;
  bool weightSet = false;
  Mark mark;
};

// tls[] and tcp[] routes.
struct L4Route {
  std::vector<L4Match> match;
  std::vector<RouteDestination> route;
  Mark mark;
  std::string path;
};

struct VirtualService {
  ResourceMeta meta;
  std::vector<std::string> hosts;
  // Gateway references normalised to "namespace/name" ("mesh" kept as is). Empty: mesh only.
  std::vector<std::string> gateways;
  std::vector<HttpRoute> http;
  std::vector<L4Route> tls;
  std::vector<L4Route> tcp;
};

}  // namespace portico::config
