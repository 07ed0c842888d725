// One client connection on a worker: reads requests with the HTTP/1.1 codec, runs each
// through a Stream's filter chain, writes local replies or hands the stream to an
// UpstreamExchange, logs it, and loops while keep-alive allows. Requests are served one
// after another, so pipelined requests are answered in order. Lives in the frame of its
// own coroutine (started by Listener), registered with its Worker for drain.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "portico/core/downstream_transport.h"
#include "portico/core/stream.h"
#include "portico/http/http1_request_reader.h"

namespace portico::core {

class Worker;

class DownstreamConnection {
 public:
  DownstreamConnection(Worker& worker, DownstreamTransport transport, uint16_t listenerPort);
  ~DownstreamConnection();
  DownstreamConnection(const DownstreamConnection&) = delete;
  DownstreamConnection& operator=(const DownstreamConnection&) = delete;

  boost::asio::awaitable<void> run();
  // Close now when waiting for a request; otherwise after the current response.
  void drain();
  // Close the socket now (shutdown after the drain time).
  void abort();

 private:
  // Serves one request; false: close the connection afterwards.
  boost::asio::awaitable<bool> serve(Stream& stream);
  boost::asio::awaitable<bool> answerCodecError(Stream& stream,
                                                const http::Http1RequestReader::HeadResult& r);
  boost::asio::awaitable<bool> writeLocalReply(Stream& stream, http::LocalReply& reply, bool close);
  void addRequestHeaders(Stream& stream);
  // TLS: scopes routing to the server the SNI chose; false when the Host is not one of its
  // hosts (421).
  bool scopeToTlsServer(Stream& stream);
  void log(Stream& stream);

  Worker& worker_;
  DownstreamTransport transport_;
  http::Http1RequestReader reader_;
  uint16_t listenerPort_;
  std::string remoteAddress_;
  bool idle_ = true;
};

}  // namespace portico::core
