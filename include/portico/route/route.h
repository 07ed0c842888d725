// One compiled route: what to do with a request once it matched. Built by the
// SnapshotCompiler, immutable afterwards; filters read it, never write it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <re2/re2.h>

#include "portico/config/virtual_service.h"

namespace portico::route {

using Duration = std::chrono::milliseconds;

// Compiled headers.request/response operations; names lower-case.
struct HeaderMutation {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

struct WeightedCluster {
  std::string clusterName;  // key into Snapshot::clusters; may name a missing cluster (503 NC)
  uint32_t weight = 0;      // relative; zero-weight entries are dropped by the compiler
  HeaderMutation requestHeaders;
  HeaderMutation responseHeaders;
  std::optional<std::string> hostRewrite;  // destination-level headers.request.set[host]
};

struct ForwardAction {
  std::vector<WeightedCluster> clusters;
  uint32_t totalWeight = 0;
  // Picks a destination for a uniformly random value in [0, totalWeight).
  const WeightedCluster& pick(uint32_t random) const;
};

struct RedirectAction {
  std::optional<std::string> scheme;
  std::optional<std::string> authority;
  std::optional<std::string> path;           // redirect.uri: replaces the whole path
  std::optional<std::string> prefixRewrite;  // replaces the matched prefix
  uint32_t port = 0;
  config::HttpRedirect::DerivePort derivePort = config::HttpRedirect::DerivePort::kNone;
  uint32_t code = 301;
};

struct DirectResponseAction {
  uint32_t status = 200;
  std::string body;
};

struct RetryPolicy {
  enum On : uint32_t {
    k5xx = 1u << 0, kGatewayError = 1u << 1, kReset = 1u << 2, kConnectFailure = 1u << 3,
    kRetriable4xx = 1u << 4, kRefusedStream = 1u << 5, kRetriableStatusCodes = 1u << 6,
    kCancelled = 1u << 7, kDeadlineExceeded = 1u << 8, kInternal = 1u << 9,
    kResourceExhausted = 1u << 10, kUnavailable = 1u << 11, kResetBeforeRequest = 1u << 12,
  };
  uint32_t numRetries = 2;  // Istio's default when `retries` is absent
  uint32_t retryOn = kConnectFailure | kRefusedStream | kUnavailable | kCancelled |
                     kRetriableStatusCodes;
  std::vector<uint32_t> retriableStatusCodes;
  std::optional<Duration> perTryTimeout;
  bool retryPreviousHosts = true;  // avoid hosts already tried
  Duration backoffBase{25};
};

struct FaultPolicy {
  std::optional<Duration> delay;
  uint32_t delayPerMillion = 0;
  uint32_t abortStatus = 0;       // 0: no abort
  std::optional<uint32_t> abortGrpcStatus;  // abort with this gRPC status (trailers-only)
  uint32_t abortPerMillion = 0;
};

struct MirrorPolicy {
  std::string clusterName;
  uint32_t perMillion = 1000000;
};

struct PathRewrite {
  enum class Kind { kNone, kPrefix, kRegex };
  Kind kind = Kind::kNone;
  std::string replacement;           // kPrefix: replaces the matched prefix
  std::shared_ptr<const RE2> regex;  // kRegex: every match replaced by `substitution`
  std::string substitution;          // RE2 syntax: \1..\9
};

struct Route {
  std::string name;            // http[].name + match name, or "<vs>/http[i]"
  std::string virtualService;  // "namespace/name"
  std::variant<ForwardAction, RedirectAction, DirectResponseAction> action;
  PathRewrite rewrite;
  std::optional<std::string> hostRewrite;  // rewrite.authority or headers.request.set[host]
  HeaderMutation requestHeaders;
  HeaderMutation responseHeaders;
  std::optional<Duration> timeout;  // none: no timeout (Istio's default)
  RetryPolicy retry;
  std::optional<FaultPolicy> fault;
  std::vector<MirrorPolicy> mirrors;
  std::optional<config::CorsPolicy> cors;
};

// Result of a successful match: the route, plus how much of the path the matched
// uri condition covers (rewrite.uri replaces exactly that much).
struct RouteMatch {
  const Route* route = nullptr;
  uint32_t matchedPathLength = 0;
};

}  // namespace portico::route
