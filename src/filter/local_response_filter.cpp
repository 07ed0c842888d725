#include "portico/filter/local_response_filter.h"

#include "portico/filter/header_mutation_filter.h"
#include "portico/http/local_reply.h"

namespace portico::filter {
namespace {

void splitAuthority(std::string_view authority, std::string_view& host, std::string_view& port) {
  host = authority;
  port = {};
  std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return;
  std::size_t bracket = authority.rfind(']');
  if (bracket != std::string_view::npos && bracket > colon) return;
  host = authority.substr(0, colon);
  port = authority.substr(colon + 1);
}

}  // namespace

std::string LocalResponseFilter::redirectLocation(const route::RedirectAction& action,
                                                  const http::RequestHead& request,
                                                  uint32_t matchedPathLength,
                                                  std::string_view scheme, uint16_t listenerPort) {
  std::string_view newScheme = action.scheme ? std::string_view(*action.scheme) : scheme;
  std::string_view host, port;
  splitAuthority(request.authority, host, port);
  if (action.authority) {
    splitAuthority(*action.authority, host, port);
  }
  std::string portText;
  if (action.port != 0) {
    portText = std::to_string(action.port);
  } else if (action.derivePort == config::HttpRedirect::DerivePort::kFromRequestPort) {
    portText = std::to_string(listenerPort);
  } else if (action.derivePort == config::HttpRedirect::DerivePort::kFromProtocolDefault) {
    portText.clear();
  } else if (newScheme != scheme && (port == "80" || port == "443")) {
    portText.clear();  // a scheme change drops the old scheme's default port
  } else {
    portText.assign(port);
  }
  if ((newScheme == "http" && portText == "80") || (newScheme == "https" && portText == "443")) {
    portText.clear();
  }

  std::string path;
  std::string_view query = request.query;
  bool hasQuery = request.hasQuery;
  if (action.path) {
    std::string_view p = *action.path;
    std::size_t q = p.find('?');
    if (q != std::string_view::npos) {
      query = p.substr(q + 1);
      hasQuery = true;
      p = p.substr(0, q);
    }
    path.assign(p);
  } else if (action.prefixRewrite) {
    std::size_t keep = std::min<std::size_t>(matchedPathLength, request.path.size());
    path = *action.prefixRewrite + request.path.substr(keep);
  } else {
    path = request.path;
  }

  std::string location;
  location.append(newScheme).append("://").append(host);
  if (!portText.empty()) location.append(":").append(portText);
  location.append(path);
  if (hasQuery && !query.empty()) location.append("?").append(query);
  return location;
}

FilterStatus LocalResponseFilter::decodeHeaders(StreamContext& ctx) noexcept {
  StreamState& state = ctx.state();
  const route::Route* route = state.route();
  if (!route) return FilterStatus::kContinue;
  if (const auto* redirect = std::get_if<route::RedirectAction>(&route->action)) {
    http::LocalReply reply = http::makeLocalReply(redirect->code, "");
    reply.head.headers.add("location",
                           redirectLocation(*redirect, ctx.request(), state.match.matchedPathLength,
                                            state.scheme, state.listenerPort));
    HeaderMutationFilter::apply(route->responseHeaders, reply.head.headers);
    ctx.sendLocalReply(std::move(reply), "");
    return FilterStatus::kStopIteration;
  }
  if (const auto* direct = std::get_if<route::DirectResponseAction>(&route->action)) {
    http::LocalReply reply = http::makeLocalReply(direct->status, direct->body);
    HeaderMutationFilter::apply(route->responseHeaders, reply.head.headers);
    ctx.sendLocalReply(std::move(reply), "");
    return FilterStatus::kStopIteration;
  }
  return FilterStatus::kContinue;
}

}  // namespace portico::filter
