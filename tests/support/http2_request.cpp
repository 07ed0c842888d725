#include "support/http2_request.h"

namespace portico::testing {

Http2Response http2Fetch(Http2ClientConnection& connection, const Http2Request& request,
                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Http2Response response;
  const bool headersOnly = request.body.empty() && request.endStream;
  int32_t id =
      connection.open(request.method, request.scheme.empty() ? connection.scheme() : request.scheme,
                      request.authority, request.path, request.headers, headersOnly);
  if (id < 0) {
    response.connectionError = true;
    return response;
  }
  if (!headersOnly) {
    connection.send(id, request.body);
    connection.closeSend(id);
  }
  const Http2ClientStream* s = connection.stream(id);
  const bool done = connection.pumpUntil([&] { return s->remoteEnded || s->closed; }, deadline);
  response.status = s->status;
  response.headers = s->headers;
  response.trailers = s->trailers;
  response.body = s->body;
  response.resetCode = s->resetCode;
  response.timedOut = !done && !connection.broken();
  response.connectionError = !done && connection.broken();
  return response;
}

Http2Response http2Fetch(uint16_t port, const Http2Request& request,
                         std::chrono::milliseconds timeout) {
  auto connection = Http2ClientConnection::connect(port, timeout);
  if (!connection) {
    Http2Response response;
    response.connectionError = true;
    return response;
  }
  return http2Fetch(*connection, request, timeout);
}

}  // namespace portico::testing
