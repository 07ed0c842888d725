// A virtual host: the ordered routes that serve a set of domains on one listener,
// with a match index so that lookup cost does not grow with unrelated routes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/route/match_input.h"
#include "portico/route/route.h"

namespace portico::route {

class RouteIndex;  // route/route_index.h

class VirtualHost {
 public:
  VirtualHost(std::string name, std::vector<std::string> domains);
  ~VirtualHost();
  VirtualHost(VirtualHost&&) noexcept;
  VirtualHost& operator=(VirtualHost&&) noexcept;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& domains() const { return domains_; }
  // Routes in Istio precedence order (first match wins).
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // Every request on this host is redirected to https (Gateway tls.httpsRedirect).
  bool requireTls() const { return requireTls_; }

  // First route, in precedence order, whose conditions all hold; nullopt: 404 (NR).
  std::optional<RouteMatch> match(const MatchInput& input) const;

  // Building (the compiler only). Matchers come from the model and are compiled here.
  void setRequireTls(bool v) { requireTls_ = v; }
  // Appends a route with the match blocks that select it (OR'ed; empty = catch-all).
  void addRoute(std::unique_ptr<Route> route, const std::vector<config::HttpMatchRequest>& matches);
  // Same, without copying the match blocks out of the model.
  void addRouteFromModel(std::unique_ptr<Route> route,
                         const std::vector<const config::HttpMatchRequest*>& matches);
  // Builds the lookup index; call once after the last addRoute().
  void finalize();

 private:
  std::string name_;
  std::vector<std::string> domains_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<RouteIndex> index_;
  bool requireTls_ = false;
};

}  // namespace portico::route
