#include "portico/filter/route_match_filter.h"

#include "portico/filter/match_input_of.h"
#include "portico/http/local_reply.h"
#include "portico/route/virtual_host.h"

namespace portico::filter {
namespace {

// "host:port" -> "host"; IPv6 literals keep their brackets.
std::string_view hostOnly(std::string_view authority) {
  std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return authority;
  std::size_t bracket = authority.rfind(']');
  if (bracket != std::string_view::npos && bracket > colon) return authority;
  return authority.substr(0, colon);
}

}  // namespace

FilterStatus RouteMatchFilter::decodeHeaders(StreamContext& ctx) noexcept {
  StreamState& state = ctx.state();
  http::RequestHead& request = ctx.request();
  const route::VirtualHostTable* table = state.virtualHosts;
  if (table == nullptr) {
    const route::Listener* listener = ctx.snapshot().listener(state.listenerPort);
    if (listener != nullptr) table = &listener->virtualHosts;
  }
  const route::VirtualHost* vhost = table ? table->find(request.authority) : nullptr;
  if (!vhost) {
    ctx.sendLocalReply(http::makeLocalReply(404, ""), "NR");
    return FilterStatus::kStopIteration;
  }
  state.virtualHost = vhost;
  if (vhost->requireTls() && state.scheme == "http") {
    // Gateway tls.httpsRedirect: Envoy's require_tls answers 301 to the https URL.
    http::LocalReply reply = http::makeLocalReply(301, "");
    std::string location = "https://";
    location.append(hostOnly(request.authority)).append(request.pathAndQuery());
    reply.head.headers.add("location", location);
    ctx.sendLocalReply(std::move(reply), "");
    return FilterStatus::kStopIteration;
  }
  const route::MatchInput input = matchInputOf(request, state);
  auto match = vhost->match(input);
  if (!match || !match->route) {
    ctx.sendLocalReply(http::makeLocalReply(404, ""), "NR");
    return FilterStatus::kStopIteration;
  }
  state.match = *match;
  return FilterStatus::kContinue;
}

}  // namespace portico::filter
