// One downstream HTTP/2 connection (prior-knowledge h2c today; h2 over TLS once the
// transport is pluggable): an http2::ServerSession for the framing, a read loop and a write
// loop over the socket, and one task per stream that runs the same core::Stream and filter
// chain as HTTP/1.1 and proxies through UpstreamExchange with the stream as its sink and
// body source. Enforces the abuse limits of http2::Http2Settings (concurrent streams,
// header list size, rapid reset). Lives in the frame of DownstreamConnection::run(); run()
// returns only when every stream task has ended.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "portico/core/async_signal.h"
#include "portico/core/downstream_transport.h"
#include "portico/core/http2_stream.h"
#include "portico/core/downstream_transport.h"
#include "portico/core/stream.h"
#include "portico/http2/server_session.h"

namespace portico::core {

class Worker;

class Http2Connection final : private http2::ServerSession::Handler {
 public:
  Http2Connection(Worker& worker, DownstreamTransport& socket, std::string remoteAddress,
                  uint16_t listenerPort);
  ~Http2Connection() override;
  Http2Connection(const Http2Connection&) = delete;
  Http2Connection& operator=(const Http2Connection&) = delete;

  boost::asio::awaitable<void> run();
  // GOAWAY(NO_ERROR): streams in flight finish, then the connection closes.
  void drain();

  // For Http2Stream.
  http2::ServerSession& session() { return *session_; }
  void wakeWriter() { writerWake_.notify(); }
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  // All transport use is in these three.
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> readSome(
      uint8_t* buffer, std::size_t capacity);
  boost::asio::awaitable<boost::system::error_code> writeAll(const std::string& bytes);
  void closeTransport();

  boost::asio::awaitable<void> writeLoop();
  boost::asio::awaitable<void> serveStream(Http2Stream& stream);
  boost::asio::awaitable<void> sendLocalReply(Http2Stream& h2, Stream& stream,
                                              http::LocalReply& reply);
  void taskEnded(Http2Stream& stream);
  Http2Stream* find(int32_t id);

  // http2::ServerSession::Handler
  void onStreamBegin(int32_t id) noexcept override;
  void onHeader(int32_t id, std::string_view name, std::string_view value) noexcept override;
  void onRequestHead(int32_t id, bool endStream) noexcept override;
  void onData(int32_t id, std::string_view data) noexcept override;
  void onRequestEnd(int32_t id) noexcept override;
  void onResetByPeer(int32_t id) noexcept override;
  void onStreamClose(int32_t id, uint32_t errorCode) noexcept override;
  std::optional<std::size_t> readResponseBody(int32_t id, uint8_t* out, std::size_t capacity,
                                              bool& eof, bool& trailers) noexcept override;

  Worker& worker_;
  DownstreamTransport& socket_;  // plain TCP, or TLS that negotiated h2 by ALPN
  boost::asio::any_io_executor executor_;
  std::string remoteAddress_;
  uint16_t listenerPort_;
  http2::Http2Settings settings_;
  std::unique_ptr<http2::ServerSession> session_;
  std::unordered_map<int32_t, std::unique_ptr<Http2Stream>> streams_;
  AsyncSignal writerWake_;
  AsyncSignal finished_;  // the writer or the last task ended
  std::size_t tasks_ = 0;
  bool writerRunning_ = false;
  bool readerDone_ = false;
  bool calmedDown_ = false;  // GOAWAY(ENHANCE_YOUR_CALM) sent
  std::deque<std::chrono::steady_clock::time_point> prematureResets_;
};

}  // namespace portico::core
