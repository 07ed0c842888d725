#include "portico/filter/header_mutation_filter.h"

namespace portico::filter {

void HeaderMutationFilter::apply(const route::HeaderMutation& mutation, http::HeaderMap& headers) {
  for (const auto& name : mutation.remove) headers.remove(name);
  for (const auto& [name, value] : mutation.set) headers.set(name, value);
  for (const auto& [name, value] : mutation.add) headers.add(name, value);
}

FilterStatus HeaderMutationFilter::decodeHeaders(StreamContext& ctx) noexcept {
  if (const route::Route* route = ctx.state().route()) {
    apply(route->requestHeaders, ctx.request().headers);
  }
  return FilterStatus::kContinue;
}

void HeaderMutationFilter::encodeHeaders(StreamContext& ctx, http::ResponseHead& head) noexcept {
  if (const route::Route* route = ctx.state().route()) apply(route->responseHeaders, head.headers);
}

}  // namespace portico::filter
