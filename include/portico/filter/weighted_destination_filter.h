// Picks one of the route's weighted destinations and applies that destination's header
// mutations (request now, response on the way back) and host rewrite.
#pragma once

#include "portico/filter/filter.h"

namespace portico::filter {

class WeightedDestinationFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
  void encodeHeaders(StreamContext& ctx, http::ResponseHead& head) noexcept override;
};

}  // namespace portico::filter
