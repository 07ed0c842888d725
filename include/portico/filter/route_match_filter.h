// First filter: picks the virtual host for the authority and the route for the request on
// the stream's listener. No match: 404 with flag NR, as Envoy answers.
#pragma once

#include "portico/filter/filter.h"

namespace portico::filter {

class RouteMatchFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
};

}  // namespace portico::filter
