// A protocol-neutral request head as the codec produced it, then as filters changed it.
// The stream owns it; the copy sent upstream is serialised from it by the router.
#pragma once

#include <cstdint>
#include <string>

#include "portico/http/header_map.h"

namespace portico::http {

enum class BodyFraming { kNone, kContentLength, kChunked };

struct RequestHead {
  std::string method;
  std::string path;       // normalised, no query; what routes match and upstreams receive
  std::string query;      // after '?', without it
  bool hasQuery = false;  // a '?' was present (even with an empty query)
  std::string authority;  // Host header (not kept in `headers`)
  unsigned version = 11;  // 10 or 11; 20 for a request that came over HTTP/2
  HeaderMap headers;      // end-to-end headers only: hop-by-hop ones are stripped by the codec
  BodyFraming framing = BodyFraming::kNone;
  uint64_t contentLength = 0;
  bool keepAlive = true;        // the client allows another request on this connection
  bool expectContinue = false;  // "Expect: 100-continue" (stripped from headers)
  std::string originalTarget;   // the request-target as received
  // HTTP/1.1 "Connection: upgrade" + "Upgrade: websocket": both headers are kept in
  // `headers` for the upstream, and a 101 answer turns the connection into a tunnel.
  bool upgrade = false;

  std::string pathAndQuery() const { return hasQuery ? path + "?" + query : path; }
  bool hasBody() const { return framing != BodyFraming::kNone; }
};

}  // namespace portico::http
