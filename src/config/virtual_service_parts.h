// Private pieces of the VirtualService parser (virtual_service_parser.cpp is the entry point):
// HTTP routes, header operations and destinations, each applying Istio's validation rules.
#pragma once

#include <optional>
#include <string>

#include "portico/config/node_reader.h"
#include "portico/config/virtual_service.h"

namespace portico::config::vs_parts {

struct RouteContext {
  std::string ns;             // the VirtualService's namespace, for gateway references
  bool delegateVs = false;    // the VS has no hosts (an Istio delegate)
};

// http[i] into `out`.
void parseHttpRoute(NodeReader& node, const RouteContext& context, HttpRoute& out);

// A `headers` block (route- or destination-level). Names are lower-cased.
Headers parseHeaders(NodeReader& node);

// A Destination object (host, subset, port.number) with Istio's validateDestination.
Destination parseDestination(NodeReader& node);

// Weighted destinations: `weight %d < 0`, `total destination weight = 0` over `weights`.
void checkWeight(NodeReader& item, int32_t& weight, bool& weightSet);
void checkTotalWeight(NodeReader& parent, std::string_view key, std::size_t count, int64_t total);

}  // namespace portico::config::vs_parts
