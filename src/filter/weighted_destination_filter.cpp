#include "portico/filter/weighted_destination_filter.h"

#include "portico/filter/header_mutation_filter.h"
#include "portico/http/local_reply.h"

namespace portico::filter {

FilterStatus WeightedDestinationFilter::decodeHeaders(StreamContext& ctx) noexcept {
  StreamState& state = ctx.state();
  const route::Route* route = state.route();
  if (!route) return FilterStatus::kContinue;
  const auto* forward = std::get_if<route::ForwardAction>(&route->action);
  if (!forward) return FilterStatus::kContinue;
  if (forward->clusters.empty() || forward->totalWeight == 0) {
    ctx.sendLocalReply(http::makeLocalReply(503, ""), "NC");
    return FilterStatus::kStopIteration;
  }
  const route::WeightedCluster& picked = forward->clusters.size() == 1
                                             ? forward->clusters.front()
                                             : forward->pick(ctx.random() % forward->totalWeight);
  state.destination = &picked;
  state.cluster = ctx.snapshot().cluster(picked.clusterName);
  http::RequestHead& request = ctx.request();
  HeaderMutationFilter::apply(picked.requestHeaders, request.headers);
  if (picked.hostRewrite) request.authority = *picked.hostRewrite;
  return FilterStatus::kContinue;
}

void WeightedDestinationFilter::encodeHeaders(StreamContext& ctx,
                                              http::ResponseHead& head) noexcept {
  if (const route::WeightedCluster* d = ctx.state().destination) {
    HeaderMutationFilter::apply(d->responseHeaders, head.headers);
  }
}

}  // namespace portico::filter
