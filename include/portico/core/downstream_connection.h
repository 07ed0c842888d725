// One client connection on a worker. A connection that starts with the HTTP/2 preface
// (prior-knowledge h2c) is handed to an Http2Connection; otherwise it reads requests with
// the HTTP/1.1 codec, runs each
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
#include "portico/http/response_head.h"
#include "portico/upstream/upstream_connection.h"

namespace portico::core {

class Http2Connection;
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
  uint16_t listenerPort() const { return listenerPort_; }
  // Close the socket now (shutdown after the drain time).
  void abort();
  // True while waiting for the next request head (stats: requests active).
  bool idle() const { return idle_; }

 private:
  enum class Protocol { kHttp1, kHttp2, kClosed };
  // Peeks at the first bytes without consuming them: the HTTP/2 preface or anything else.
  boost::asio::awaitable<Protocol> sniffProtocol();
  // Serves one request; false: close the connection afterwards.
  boost::asio::awaitable<bool> serve(Stream& stream);
  boost::asio::awaitable<bool> answerCodecError(Stream& stream,
                                                const http::Http1RequestReader::HeadResult& r);
  // The upstream accepted a WebSocket upgrade: tunnel until either side is done.
  boost::asio::awaitable<void> tunnel(Stream& stream, const http::ResponseHead& head,
                                      upstream::UpstreamConnection& upstream);
  boost::asio::awaitable<bool> writeLocalReply(Stream& stream, http::LocalReply& reply, bool close);
  void log(Stream& stream);

  Worker& worker_;
  DownstreamTransport transport_;
  http::Http1RequestReader reader_;
  uint16_t listenerPort_;
  std::string remoteAddress_;
  bool idle_ = true;
  bool draining_ = false;  // this connection only (its listener went away in a reload)
  Http2Connection* http2_ = nullptr;  // set while the connection speaks HTTP/2
};

}  // namespace portico::core
