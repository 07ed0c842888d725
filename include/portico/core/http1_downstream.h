// The HTTP/1.1 side of an UpstreamExchange: the response is framed for the client's version
// (re-chunked for HTTP/1.1, close-delimited for HTTP/1.0) and written to the connection's
// socket, the head coalesced with the first body piece; the request body comes from the
// connection's Http1RequestReader. Lives on the stack of DownstreamConnection::serve().
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "portico/core/downstream_sink.h"
#include "portico/core/downstream_transport.h"
#include "portico/core/request_body_source.h"
#include "portico/http/http1_request_reader.h"
#include "portico/http/request_head.h"

namespace portico::core {

class Http1Downstream final : public DownstreamSink, public RequestBodySource {
 public:
  // `draining`: the worker is draining, so the connection closes after this response.
  Http1Downstream(DownstreamTransport& socket, http::Http1RequestReader& reader,
                  const http::RequestHead& request, bool draining)
      : socket_(socket), reader_(reader), request_(request), draining_(draining) {}

  boost::asio::awaitable<bool> sendContinue() override;
  boost::asio::awaitable<bool> sendHead(http::ResponseHead& head, bool noBody) override;
  boost::asio::awaitable<bool> sendBody(std::string_view data, bool last) override;
  boost::asio::awaitable<bool> sendTrailers(const http::HeaderMap& trailers) override;
  boost::asio::awaitable<void> abortResponse() override;
  bool keepAlive() const override { return keep_; }

  boost::asio::awaitable<BodyPiece> readBody(char* out, std::size_t capacity) override;
  bool bodyComplete() const override { return reader_.bodyComplete(); }
  bool hasBufferedBytes() const override { return reader_.hasBufferedBytes(); }

 private:
  boost::asio::awaitable<bool> flush();

  DownstreamTransport& socket_;
  http::Http1RequestReader& reader_;
  const http::RequestHead& request_;
  bool draining_;
  bool keep_ = false;
  bool chunked_ = false;
  std::string pending_;  // the head waits here to leave with the first body piece
};

}  // namespace portico::core
