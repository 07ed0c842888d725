#include "portico/filter/router_filter.h"

#include "portico/http/local_reply.h"

namespace portico::filter {

FilterStatus RouterFilter::decodeHeaders(StreamContext& ctx) noexcept {
  StreamState& state = ctx.state();
  if (!state.route() || !state.destination) {
    ctx.sendLocalReply(http::makeLocalReply(404, ""), "NR");
    return FilterStatus::kStopIteration;
  }
  if (!state.cluster) {
    ctx.sendLocalReply(http::makeLocalReply(503, ""), "NC");
    return FilterStatus::kStopIteration;
  }
  state.forward = true;
  return FilterStatus::kStopIteration;
}

}  // namespace portico::filter
