// The route-matching view of a request, for every filter that matches it against routes or
// limits: views into the request head and the stream state, nothing copied.
#pragma once

#include "portico/filter/stream_state.h"
#include "portico/http/request_head.h"
#include "portico/route/match_input.h"

namespace portico::filter {

inline route::MatchInput matchInputOf(const http::RequestHead& request, const StreamState& state) {
  route::MatchInput input;
  input.method = request.method;
  input.scheme = state.scheme;
  input.authority = request.authority;
  input.path = request.path;
  input.query = request.query;
  input.listenerPort = state.listenerPort;
  input.headers = &request.headers;
  return input;
}

}  // namespace portico::filter
