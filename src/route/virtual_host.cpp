#include "portico/route/virtual_host.h"

#include <utility>

#include "portico/route/route_index.h"

namespace portico::route {

VirtualHost::VirtualHost(std::string name, std::vector<std::string> domains)
    : name_(std::move(name)),
      domains_(std::move(domains)),
      index_(std::make_unique<RouteIndex>()) {}

VirtualHost::~VirtualHost() = default;
VirtualHost::VirtualHost(VirtualHost&&) noexcept = default;
VirtualHost& VirtualHost::operator=(VirtualHost&&) noexcept = default;

void VirtualHost::addRoute(std::unique_ptr<Route> route,
                           const std::vector<config::HttpMatchRequest>& matches) {
  auto routeIndex = static_cast<uint32_t>(routes_.size());
  routes_.push_back(std::move(route));
  if (matches.empty()) {
    index_->add(routeIndex, RequestMatcher());
    return;
  }
  for (const auto& match : matches) index_->add(routeIndex, RequestMatcher(match));
}

void VirtualHost::addRouteFromModel(std::unique_ptr<Route> route,
                                    const std::vector<const config::HttpMatchRequest*>& matches) {
  auto routeIndex = static_cast<uint32_t>(routes_.size());
  routes_.push_back(std::move(route));
  if (matches.empty()) {
    index_->add(routeIndex, RequestMatcher());
    return;
  }
  for (const auto* match : matches) index_->add(routeIndex, RequestMatcher(*match));
}

void VirtualHost::finalize() { index_->finalize(); }

std::optional<RouteMatch> VirtualHost::match(const MatchInput& input) const {
  auto found = index_->find(input);
  if (!found) return std::nullopt;
  return RouteMatch{routes_[found->route].get(), found->matchedPathLength};
}

}  // namespace portico::route
