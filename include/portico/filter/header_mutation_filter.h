// Istio route-level `headers.request` on the way up and `headers.response` on the way
// back. Destination-level mutations are applied by WeightedDestinationFilter.
#pragma once

#include "portico/filter/filter.h"
#include "portico/http/header_map.h"

namespace portico::filter {

class HeaderMutationFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
  void encodeHeaders(StreamContext& ctx, http::ResponseHead& head) noexcept override;

  // Remove first, then set, then add (Envoy's HeaderParser order).
  static void apply(const route::HeaderMutation& mutation, http::HeaderMap& headers);
};

}  // namespace portico::filter
