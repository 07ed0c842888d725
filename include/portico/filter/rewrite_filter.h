// Istio `rewrite`: uri prefix replacement of exactly the matched prefix (Envoy's
// prefix_rewrite), regex rewrite (RE2::GlobalReplace), and authority. The original path
// travels upstream in x-envoy-original-path.
#pragma once

#include "portico/filter/filter.h"

namespace portico::filter {

class RewriteFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
};

}  // namespace portico::filter
