// Private pieces of the VirtualService parser (virtual_service_parser.cpp is the entry point):
// HTTP routes, their actions and policies, header operations and destinations, each applying
// Istio's validation rules.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/node_reader.h"
#include "portico/config/virtual_service.h"

namespace portico::config::vs_parts {

inline constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
inline constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
inline constexpr int64_t kUint32Max = std::numeric_limits<uint32_t>::max();

struct RouteContext {
  std::string ns;           // the VirtualService's namespace, for gateway references
  bool delegateVs = false;  // the VS has no hosts (an Istio delegate)
};

// http_route_parser.cpp: http[i] into `out`.
void parseHttpRoute(NodeReader& node, const RouteContext& context, HttpRoute& out);
// Weighted destinations: `weight %d < 0`, `total destination weight = 0` over `weights`.
void checkWeight(NodeReader& item, int32_t& weight, bool& weightSet);
void checkTotalWeight(NodeReader& parent, std::string_view key, std::size_t count, int64_t total);
// A Percent object {value: double} under `key`; `{}` is 0.
std::optional<double> percentObject(NodeReader& parent, std::string_view key);
// Istio validatePercentage, validateHTTPStatus, agent.ValidatePort; report at `key`.
bool checkFaultPercentage(const NodeReader& parent, std::string_view key, double v);
bool checkHttpStatus(const NodeReader& at, std::string_view key, int64_t status);
bool checkPort(const NodeReader& at, std::string_view key, int64_t port);

// http_route_actions_parser.cpp. Each returns nullopt when it reported an error.
std::optional<HttpRedirect> parseRedirect(NodeReader& node,
                                          const std::vector<HttpMatchRequest>& matches);
std::optional<HttpDirectResponse> parseDirectResponse(NodeReader& node);
// Warns about prefix rewrites that produce "//" (see the definition).
std::optional<HttpRewrite> parseRewrite(NodeReader& node,
                                        const std::vector<HttpMatchRequest>& matches);

// http_route_policies_parser.cpp.
std::optional<HttpRetry> parseRetries(NodeReader& node);
std::optional<HttpFaultInjection> parseFault(NodeReader& node);
std::optional<CorsPolicy> parseCors(NodeReader& node);
// mirror + mirrorPercentage (+ deprecated mirrorPercent), or mirrors[], into out.mirrors.
void parseMirrors(NodeReader& route, HttpRoute& out);

// header_operations_parser.cpp: a `headers` block (route- or destination-level). Names are
// lower-cased.
Headers parseHeaders(NodeReader& node);

// virtual_service_parser.cpp: a Destination (host, subset, port.number) with Istio's
// validateDestination.
Destination parseDestination(NodeReader& node);

}  // namespace portico::config::vs_parts
