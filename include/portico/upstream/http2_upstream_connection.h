// One HTTP/2 connection to an upstream host, shared by many concurrent requests (streams):
// an http2::ClientSession for the framing, a read loop and a write loop over the socket.
// Created connecting; requests may be assigned to it at once and wait in ready(). Held by
// the host's Http2ConnectionPool while it accepts streams, and by every stream in flight.
// Worker-thread only, like everything of a cluster.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "portico/core/async_signal.h"
#include "portico/http2/client_session.h"

namespace portico::upstream {

class Http2UpstreamStream;

class Http2UpstreamConnection final : public std::enable_shared_from_this<Http2UpstreamConnection>,
                                      private http2::ClientSession::Handler {
 public:
  using Clock = std::chrono::steady_clock;
  // Streams per connection before the upstream's SETTINGS say otherwise, and at most.
  static constexpr uint32_t kDefaultStreams = 100;
  static constexpr uint32_t kMaxStreams = 1024;

  Http2UpstreamConnection(const boost::asio::any_io_executor& executor, uint32_t maxStreamsTotal);
  ~Http2UpstreamConnection() override;

  // Connects in the background; ready() reports how it went.
  void start(boost::asio::ip::tcp::endpoint endpoint, std::chrono::milliseconds timeout);
  boost::asio::awaitable<boost::system::error_code> ready();

  // Takes one more stream (counting those promised but not yet opened).
  bool acceptsStreams() const;
  void promise() { ++promised_; }
  // Opens the stream promised to `stream`. False: the session refused it (the connection
  // failed or got a GOAWAY meanwhile).
  bool open(Http2UpstreamStream& stream, const std::vector<http2::HeaderField>& headers,
            bool withBody);
  void unpromise() { --promised_; }

  // For Http2UpstreamStream.
  void forget(int32_t id, bool reset);
  void resume(int32_t id);
  void consume(int32_t id, std::size_t bytes);

  bool closed() const { return state_ == State::kClosed; }
  std::size_t activeStreams() const { return streams_.size() + promised_; }
  Clock::time_point idleSince() const { return idleSince_; }
  uint64_t streamsOpened() const { return streamsOpened_; }
  // GOAWAY when busy, closed at once when idle.
  void shutdown();

 private:
  enum class State { kConnecting, kReady, kDraining, kClosed };

  boost::asio::awaitable<void> run(boost::asio::ip::tcp::endpoint endpoint,
                                   std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> writeLoop();
  void fail();
  Http2UpstreamStream* find(int32_t id);
  void wakeWriter() { writerWake_.notify(); }

  // http2::ClientSession::Handler
  void onResponseField(int32_t id, std::string_view name, std::string_view value,
                       bool trailer) noexcept override;
  void onResponseHead(int32_t id, bool endStream) noexcept override;
  void onResponseData(int32_t id, std::string_view data) noexcept override;
  void onResponseEnd(int32_t id) noexcept override;
  void onStreamClose(int32_t id, uint32_t errorCode) noexcept override;
  void onGoaway(int32_t lastStreamId) noexcept override;
  std::optional<std::size_t> readRequestBody(int32_t id, uint8_t* out, std::size_t capacity,
                                             bool& eof) noexcept override;

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<http2::ClientSession> session_;
  std::unordered_map<int32_t, Http2UpstreamStream*> streams_;
  State state_ = State::kConnecting;
  boost::system::error_code connectError_;
  core::AsyncSignal readyWake_;
  core::AsyncSignal writerWake_;
  uint32_t promised_ = 0;
  uint32_t maxStreamsTotal_;  // maxRequestsPerConnection; 0: unlimited
  uint64_t streamsOpened_ = 0;
  int32_t goawayLastId_ = INT32_MAX;
  Clock::time_point idleSince_ = Clock::now();
};

}  // namespace portico::upstream
