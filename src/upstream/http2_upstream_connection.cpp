// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/upstream/http2_upstream_connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "portico/http/io_deadline.h"
#include "portico/upstream/http2_upstream_stream.h"

namespace portico::upstream {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kWriteBatch = 64 * 1024;

}  // namespace

Http2UpstreamConnection::Http2UpstreamConnection(const asio::any_io_executor& executor,
                                                 uint32_t maxStreamsTotal)
    : socket_(executor),
      readyWake_(executor),
      writerWake_(executor),
      maxStreamsTotal_(maxStreamsTotal) {
  session_ = std::make_unique<http2::ClientSession>(static_cast<Handler&>(*this),
                                                    http2::Http2Settings{});
}

Http2UpstreamConnection::~Http2UpstreamConnection() {
  // Streams hold the connection, so none is left here; nghttp2 makes no callbacks on delete.
  session_.reset();
}

void Http2UpstreamConnection::start(asio::ip::tcp::endpoint endpoint,
                                    std::chrono::milliseconds timeout) {
  asio::co_spawn(
      socket_.get_executor(),
      [self = shared_from_this(), endpoint, timeout] { return self->run(endpoint, timeout); },
      asio::detached);
}

asio::awaitable<boost::system::error_code> Http2UpstreamConnection::ready() {
  while (state_ == State::kConnecting) co_await readyWake_.wait();
  if (connectError_) co_return connectError_;
  if (state_ == State::kClosed) co_return asio::error::connection_aborted;
  co_return boost::system::error_code{};
}

bool Http2UpstreamConnection::acceptsStreams() const {
  if (state_ != State::kConnecting && state_ != State::kReady) return false;
  if (maxStreamsTotal_ != 0 && streamsOpened_ + promised_ >= maxStreamsTotal_) return false;
  uint32_t limit = kDefaultStreams;
  if (state_ == State::kReady) limit = std::min(session_->peerMaxConcurrentStreams(), kMaxStreams);
  return activeStreams() < limit;
}

bool Http2UpstreamConnection::open(Http2UpstreamStream& stream,
                                   const std::vector<http2::HeaderField>& headers,
                                   bool withBody) {
  if (state_ != State::kReady) return false;
  int32_t id = session_->submitRequest(headers, withBody);
  if (id < 0) return false;
  ++streamsOpened_;
  streams_.emplace(id, &stream);
  stream.attach(shared_from_this(), id);
  if (maxStreamsTotal_ != 0 && streamsOpened_ >= maxStreamsTotal_) state_ = State::kDraining;
  wakeWriter();
  return true;
}

void Http2UpstreamConnection::forget(int32_t id, bool reset) {
  streams_.erase(id);
  if (reset && state_ != State::kClosed) session_->resetStream(id, http2::ErrorCode::kCancel);
  if (streams_.empty()) {
    idleSince_ = Clock::now();
    if (state_ == State::kDraining) session_->shutdownGracefully();
  }
  wakeWriter();
}

void Http2UpstreamConnection::resume(int32_t id) {
  session_->resumeData(id);
  wakeWriter();
}

void Http2UpstreamConnection::consume(int32_t id, std::size_t bytes) {
  if (state_ == State::kClosed) return;
  session_->consume(id, bytes);
  wakeWriter();
}

void Http2UpstreamConnection::shutdown() {
  if (state_ == State::kClosed) return;
  if (activeStreams() == 0) {
    fail();
    return;
  }
  state_ = State::kDraining;
  session_->shutdownGracefully();
  wakeWriter();
}

void Http2UpstreamConnection::fail() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  readyWake_.notify();
  wakeWriter();
  // Streams in flight see the connection end as a reset.
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) stream->receiveClose(0x2 /* INTERNAL_ERROR */, false);
}

asio::awaitable<void> Http2UpstreamConnection::run(asio::ip::tcp::endpoint endpoint,
                                                   std::chrono::milliseconds timeout) {
  {
    http::IoDeadline deadline(socket_.get_executor());
    deadline.arm(socket_, timeout);
    auto [ec] = co_await socket_.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
    if (deadline.expired()) ec = asio::error::timed_out;
    deadline.disarm();
    if (ec || state_ == State::kClosed) {
      connectError_ = ec ? ec : asio::error::operation_aborted;
      fail();
      co_return;
    }
  }
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  state_ = State::kReady;
  readyWake_.notify();
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->writeLoop(); },
      asio::detached);
  auto buffer = std::make_unique<uint8_t[]>(kReadChunk);
  while (state_ != State::kClosed) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer.get(), kReadChunk),
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    if (!session_->receive(buffer.get(), n)) {
      spdlog::debug("http2 upstream {}: protocol error", endpoint.address().to_string());
      break;
    }
    wakeWriter();
    if (!session_->wantRead() && !session_->wantWrite()) break;
  }
  fail();
}

asio::awaitable<void> Http2UpstreamConnection::writeLoop() {
  std::string out;
  while (state_ != State::kClosed) {
    out.clear();
    if (!session_->send(out, kWriteBatch)) break;
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      continue;
    }
    if (!session_->wantRead() && !session_->wantWrite()) break;
    co_await writerWake_.wait();
  }
  fail();
}

Http2UpstreamStream* Http2UpstreamConnection::find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

void Http2UpstreamConnection::onResponseField(int32_t id, std::string_view name,
                                              std::string_view value, bool trailer) noexcept {
  if (auto* s = find(id)) s->receiveField(name, value, trailer);
}

void Http2UpstreamConnection::onResponseHead(int32_t id, bool endStream) noexcept {
  if (auto* s = find(id)) s->receiveHead(endStream);
}

void Http2UpstreamConnection::onResponseData(int32_t id, std::string_view data) noexcept {
  if (auto* s = find(id)) {
    s->receiveData(data);
  } else {
    // Nobody reads it: give the window back at once.
    session_->consume(id, data.size());
  }
}

void Http2UpstreamConnection::onResponseEnd(int32_t id) noexcept {
  if (auto* s = find(id)) s->receiveEnd();
}

void Http2UpstreamConnection::onStreamClose(int32_t id, uint32_t errorCode) noexcept {
  auto* s = find(id);
  if (!s) return;
  streams_.erase(id);
  // REFUSED_STREAM (RFC 9113 8.7) or a stream above GOAWAY's last id was never processed.
  s->receiveClose(errorCode, errorCode == 0x7 || id > goawayLastId_);
  if (streams_.empty()) idleSince_ = Clock::now();
}

void Http2UpstreamConnection::onGoaway(int32_t lastStreamId) noexcept {
  goawayLastId_ = lastStreamId;
  if (state_ == State::kReady) state_ = State::kDraining;
}

std::optional<std::size_t> Http2UpstreamConnection::readRequestBody(int32_t id, uint8_t* out,
                                                                    std::size_t capacity,
                                                                    bool& eof) noexcept {
  auto* s = find(id);
  if (!s) {
    eof = true;
    return 0;
  }
  return s->readRequest(out, capacity, eof);
}

}  // namespace portico::upstream
