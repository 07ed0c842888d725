#include "portico/filter/filter_chain.h"

#include "portico/filter/fault_filter.h"
#include "portico/filter/header_mutation_filter.h"
#include "portico/filter/local_response_filter.h"
#include "portico/filter/rate_limit_filter.h"
#include "portico/filter/rewrite_filter.h"
#include "portico/filter/route_match_filter.h"
#include "portico/filter/router_filter.h"
#include "portico/filter/weighted_destination_filter.h"

namespace portico::filter {

FilterChain FilterChain::makeDefault() { return makeDefault(nullptr, std::string()); }

FilterChain FilterChain::makeDefault(ratelimit::RedisRateLimiter* redis,
                                     std::string clientAddress) {
  std::vector<std::unique_ptr<Filter>> filters;
  filters.reserve(8);
  filters.push_back(std::make_unique<RouteMatchFilter>());
  filters.push_back(std::make_unique<FaultFilter>());
  filters.push_back(std::make_unique<LocalResponseFilter>());
  filters.push_back(std::make_unique<RewriteFilter>());
  filters.push_back(std::make_unique<HeaderMutationFilter>());
  filters.push_back(std::make_unique<WeightedDestinationFilter>());
  filters.push_back(std::make_unique<RateLimitFilter>(redis, std::move(clientAddress)));
  filters.push_back(std::make_unique<RouterFilter>());
  return FilterChain(std::move(filters));
}

FilterStatus FilterChain::runFrom(std::size_t index, StreamContext& ctx) noexcept {
  for (std::size_t i = index; i < filters_.size(); ++i) {
    if (ran_ < i + 1) ran_ = i + 1;
    if (filters_[i]->decodeHeaders(ctx) == FilterStatus::kStopIteration) {
      stoppedAt_ = i;
      return FilterStatus::kStopIteration;
    }
  }
  return FilterStatus::kContinue;
}

FilterStatus FilterChain::decodeHeaders(StreamContext& ctx) noexcept { return runFrom(0, ctx); }

FilterStatus FilterChain::resume(StreamContext& ctx) noexcept {
  if (filters_[stoppedAt_]->onResume(ctx) == FilterStatus::kStopIteration) {
    return FilterStatus::kStopIteration;
  }
  return runFrom(stoppedAt_ + 1, ctx);
}

void FilterChain::encodeHeaders(StreamContext& ctx, http::ResponseHead& head) noexcept {
  for (std::size_t i = ran_; i > 0; --i) filters_[i - 1]->encodeHeaders(ctx, head);
}

void FilterChain::onComplete(StreamContext& ctx) noexcept {
  if (completed_) return;
  completed_ = true;
  for (std::size_t i = 0; i < ran_; ++i) filters_[i]->onComplete(ctx);
}

}  // namespace portico::filter
