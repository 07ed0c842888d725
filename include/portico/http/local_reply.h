// Responses the proxy writes itself (404 NR, 503 UH, redirects, direct responses,
// codec errors) and the bytes it puts on the wire for them.
#pragma once

#include <string>
#include <string_view>

#include "portico/http/response_head.h"

namespace portico::http {

struct LocalReply {
  ResponseHead head;
  std::string body;
};

// A reply with `body` as text/plain (no content-type when empty) and content-length set.
LocalReply makeLocalReply(unsigned status, std::string_view body);

// Standard reason phrase ("Not Found"); "Unknown" for codes without one.
std::string_view reasonPhrase(unsigned status);

}  // namespace portico::http
