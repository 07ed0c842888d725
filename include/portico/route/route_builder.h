// Part of the SnapshotCompiler: turns one VirtualService http[] entry into a Route
// (action, weights, rewrite, header mutations, retries, fault, mirrors, CORS). The route
// does not depend on the listener, so the compiler builds it once and copies it into each
// virtual host that uses it.
#pragma once

#include <memory>
#include <string_view>

#include "portico/config/virtual_service.h"
#include "portico/route/cluster_builder.h"
#include "portico/route/route.h"

namespace portico::route {

class RouteBuilder {
 public:
  RouteBuilder(ClusterBuilder& clusters, config::Diagnostics& diagnostics)
      : clusters_(clusters), diagnostics_(diagnostics) {}

  std::unique_ptr<Route> build(const config::VirtualService& vs, std::size_t httpIndex);
  // The cluster registry, for destinations outside http[] (tls[] routes).
  ClusterBuilder& clusters() { return clusters_; }

  // "connect-failure,503" -> bits and codes; unknown names are warned about by `warn`.
  static void parseRetryOn(std::string_view retryOn, RetryPolicy& policy,
                           std::vector<std::string>* unsupported);

 private:
  ForwardAction buildForward(const config::VirtualService& vs, const config::HttpRoute& http);
  void warn(const config::VirtualService& vs, config::Mark mark, std::string field,
            std::string message);

  ClusterBuilder& clusters_;
  config::Diagnostics& diagnostics_;
};

}  // namespace portico::route
