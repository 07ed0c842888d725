// A protocol-neutral response head: from an upstream, or built locally (LocalReply).
#pragma once

#include <cstdint>
#include <string>

#include "portico/http/header_map.h"
#include "portico/http/request_head.h"

namespace portico::http {

struct ResponseHead {
  unsigned status = 200;
  std::string reason;  // empty: the standard phrase
  unsigned version = 11;
  HeaderMap headers;  // end-to-end headers only
  BodyFraming framing = BodyFraming::kNone;
  uint64_t contentLength = 0;
  bool closeDelimited = false;  // body runs until the upstream closes
  bool keepAlive = true;        // the upstream connection may be reused
};

}  // namespace portico::http
