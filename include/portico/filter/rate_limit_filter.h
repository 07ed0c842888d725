// Slot for rate limiting in the chain's order; always continues until the rate-limit
// issue fills it (token buckets, Redis), at which point it may stop with a 429.
#pragma once

#include "portico/filter/filter.h"

namespace portico::filter {

class RateLimitFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext&) noexcept override { return FilterStatus::kContinue; }
};

}  // namespace portico::filter
