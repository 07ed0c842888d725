// Wire form of heads and body framing for HTTP/1.1 (functions only; the types live in
// request_head.h / response_head.h).
#pragma once

#include <string>
#include <string_view>

#include "portico/http/request_head.h"
#include "portico/http/response_head.h"

namespace portico::http {

// "METHOD path?query HTTP/1.1", host, headers, then the framing header for head.framing.
void appendRequestHead(const RequestHead& head, std::string& out);
// Status line in HTTP/`version`, headers, framing header, and "connection: close" when
// `close` (or "connection: keep-alive" for an HTTP/1.0 client kept open).
void appendResponseHead(const ResponseHead& head, unsigned version, bool close, std::string& out);
// One chunk of a chunked body (nothing for empty data), and the terminating chunk.
void appendChunk(std::string_view data, std::string& out);
void appendLastChunk(std::string& out);

}  // namespace portico::http
