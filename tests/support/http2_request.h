// One-shot HTTP/2 requests for tests (prior-knowledge h2c on a fresh connection), for
// protocol-translation checks where curl's view of the response is not enough: trailers,
// resets and the exact :status and headers the gateway sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "support/http2_client_connection.h"

namespace portico::testing {

// Set fields by name on a local (GCC's -Wmissing-field-initializers flags designated
// initializers that skip a member in the middle).
struct Http2Request {
  std::string method = "GET";
  std::string path = "/";
  std::string authority = "localhost";
  std::string scheme;       // empty: the connection's ("http", or "https" over TLS)
  Http2HeaderList headers;  // regular headers, names lower-case (content-length is not added)
  std::string body;         // sent as DATA; with an empty body and `endStream`, HEADERS ends it
  bool endStream = true;    // false: DATA frames (even empty) carry END_STREAM, not HEADERS
};

struct Http2Response {
  int status = 0;                               // 0 when no response head arrived
  std::map<std::string, std::string> headers;   // no pseudo-headers; last value wins
  std::map<std::string, std::string> trailers;  // a HEADERS block after the response head
  std::string body;
  uint32_t resetCode = 0;        // RST_STREAM code when the stream was reset
  bool timedOut = false;         // no end of the response within the timeout
  bool connectionError = false;  // refused, or the connection broke before the response ended
};

// Sends `request` on `connection` (h2c or TLS; the connection may carry other requests
// before and after) and waits for the end of the response.
Http2Response http2Fetch(Http2ClientConnection& connection, const Http2Request& request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends `request` on a new connection to 127.0.0.1:port and waits for the end of the response.
Http2Response http2Fetch(uint16_t port, const Http2Request& request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace portico::testing
