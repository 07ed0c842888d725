// Routes that answer without an upstream: Istio `redirect` (Location built from the
// request and the RedirectAction, as Envoy builds it) and `directResponse`. The route's
// response header mutation applies to these replies too.
#pragma once

#include <string>

#include "portico/filter/filter.h"

namespace portico::filter {

class LocalResponseFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;

  // The Location for a redirect of `request` matched with `matchedPathLength`.
  static std::string redirectLocation(const route::RedirectAction& action,
                                      const http::RequestHead& request, uint32_t matchedPathLength,
                                      std::string_view scheme, uint16_t listenerPort);
};

}  // namespace portico::filter
