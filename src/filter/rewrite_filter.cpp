#include "portico/filter/rewrite_filter.h"

#include <re2/re2.h>

namespace portico::filter {

FilterStatus RewriteFilter::decodeHeaders(StreamContext& ctx) noexcept {
  StreamState& state = ctx.state();
  const route::Route* route = state.route();
  if (!route || !std::holds_alternative<route::ForwardAction>(route->action)) {
    return FilterStatus::kContinue;
  }
  http::RequestHead& request = ctx.request();
  const route::PathRewrite& rewrite = route->rewrite;
  if (rewrite.kind != route::PathRewrite::Kind::kNone) {
    std::string original = request.pathAndQuery();
    if (rewrite.kind == route::PathRewrite::Kind::kPrefix) {
      std::size_t keep = std::min<std::size_t>(state.match.matchedPathLength, request.path.size());
      request.path = rewrite.replacement + request.path.substr(keep);
    } else if (rewrite.regex) {
      RE2::GlobalReplace(&request.path, *rewrite.regex, rewrite.substitution);
    }
    if (request.path.empty()) request.path = "/";
    request.headers.set("x-envoy-original-path", original);
  }
  if (route->hostRewrite) request.authority = *route->hostRewrite;
  return FilterStatus::kContinue;
}

}  // namespace portico::filter
