// Typed per-request state the filters share (Pingora's per-request context): what route
// matched, which destination was picked, why the stream ended. One per stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "portico/http/local_reply.h"
#include "portico/route/route.h"
#include "portico/route/snapshot.h"

namespace portico::filter {

struct StreamState {
  uint16_t listenerPort = 0;
  std::string scheme = "http";
  // On a TLS connection: the virtual hosts of the Gateway server its SNI chose (routing is
  // scoped to them); null: the listener's table.
  const route::VirtualHostTable* virtualHosts = nullptr;
  const route::VirtualHost* virtualHost = nullptr;
  route::RouteMatch match;                              // route == nullptr until matched
  const route::WeightedCluster* destination = nullptr;  // set by WeightedDestinationFilter
  const upstream::ClusterConfig* cluster = nullptr;     // the destination's cluster
  std::optional<http::LocalReply> localReply;           // set by sendLocalReply()
  bool forward = false;       // the router asked for the request to go upstream
  std::string responseFlags;  // Envoy's %RESPONSE_FLAGS% ("NR", "UF", ...), empty: "-"
  std::string upstreamHost;   // "ip:port" of the last upstream tried

  const route::Route* route() const { return match.route; }
  void addFlag(std::string_view flag) {
    std::string_view all = responseFlags;
    for (std::size_t pos = 0; pos <= all.size();) {
      std::size_t comma = all.find(',', pos);
      if (comma == std::string_view::npos) comma = all.size();
      if (all.substr(pos, comma - pos) == flag) return;
      pos = comma + 1;
    }
    if (!responseFlags.empty()) responseFlags += ',';
    responseFlags.append(flag);
  }
};

}  // namespace portico::filter
