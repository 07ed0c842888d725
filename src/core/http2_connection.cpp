// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/http2_connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "portico/core/stream_steps.h"
#include "portico/core/upstream_exchange.h"
#include "portico/core/worker.h"
#include "portico/http/grpc_reply.h"
#include "portico/http/io_deadline.h"
#include "portico/http/local_reply.h"

namespace portico::core {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kWriteBatch = 64 * 1024;

}  // namespace

Http2Connection::Http2Connection(Worker& worker, DownstreamTransport& socket,
                                 std::string remoteAddress, uint16_t listenerPort)
    : worker_(worker),
      socket_(socket),
      executor_(socket.get_executor()),
      remoteAddress_(std::move(remoteAddress)),
      listenerPort_(listenerPort),
      settings_(worker.options().http2),
      writerWake_(executor_),
      finished_(executor_) {
  // The same header budget as an HTTP/1.1 request line plus header block.
  const http::CodecLimits& limits = worker.options().codecLimits;
  settings_.maxHeaderListBytes = limits.maxRequestLineBytes + limits.maxHeaderBytes;
  session_ = std::make_unique<http2::ServerSession>(static_cast<Handler&>(*this), settings_);
}

Http2Connection::~Http2Connection() {
  // nghttp2 first: deleting the session makes no callbacks, and the streams go after it.
  session_.reset();
  streams_.clear();
}

void Http2Connection::drain() {
  session_->shutdownGracefully();
  wakeWriter();
}

asio::awaitable<std::pair<boost::system::error_code, std::size_t>> Http2Connection::readSome(
    uint8_t* buffer, std::size_t capacity) {
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer, capacity),
                                                  asio::as_tuple(asio::use_awaitable));
  co_return std::pair{ec, n};
}

asio::awaitable<boost::system::error_code> Http2Connection::writeAll(const std::string& bytes) {
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

void Http2Connection::closeTransport() {
  boost::system::error_code ec;
  socket_.lowestLayer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> Http2Connection::run() {
  writerRunning_ = true;
  asio::co_spawn(executor_, writeLoop(), asio::detached);
  auto buffer = std::make_unique<uint8_t[]>(kReadChunk);
  http::IoDeadline idle(executor_);
  for (;;) {
    // A connection with no stream open may stay idle as long as an HTTP/1.1 keep-alive one.
    if (streams_.empty()) {
      idle.arm(socket_.lowestLayer(), worker_.options().codecLimits.idleTimeout);
    } else {
      idle.disarm();
    }
    auto [ec, n] = co_await readSome(buffer.get(), kReadChunk);
    if (ec) break;
    bool ok = session_->receive(buffer.get(), n);
    wakeWriter();
    if (!ok) {
      spdlog::debug("http2 {}: protocol error from the client", remoteAddress_);
      break;
    }
    if (calmedDown_ || (!session_->wantRead() && !session_->wantWrite())) break;
  }
  idle.disarm();
  readerDone_ = true;
  wakeWriter();
  while (writerRunning_) co_await finished_.wait();
  // Streams still waiting for the client give up; their tasks end on their own.
  for (auto it = streams_.begin(); it != streams_.end();) {
    it->second->markClosed(false);
    if (!it->second->taskRunning()) {
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
  while (tasks_ > 0) co_await finished_.wait();
}

asio::awaitable<void> Http2Connection::writeLoop() {
  std::string out;
  for (;;) {
    out.clear();
    if (!session_->send(out, kWriteBatch)) break;
    if (!out.empty()) {
      if (co_await writeAll(out)) break;
      continue;
    }
    if (readerDone_ || (!session_->wantRead() && !session_->wantWrite())) break;
    co_await writerWake_.wait();
  }
  writerRunning_ = false;
  // Ends the read loop too when it is still waiting for the client.
  closeTransport();
  finished_.notify();
}

Http2Stream* Http2Connection::find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Connection::onStreamBegin(int32_t id) noexcept {
  // nghttp2 bounds the streams it has open; this also bounds streams the client reset
  // whose tasks still wait for an upstream (the rapid-reset attack's real cost).
  if (streams_.size() >= settings_.maxConcurrentStreams) {
    session_->resetStream(id, http2::ErrorCode::kRefusedStream);
    return;
  }
  streams_.emplace(id, std::make_unique<Http2Stream>(*this, id, settings_.maxHeaderListBytes));
}

void Http2Connection::onHeader(int32_t id, std::string_view name, std::string_view value) noexcept {
  if (Http2Stream* stream = find(id)) stream->addHeader(name, value);
}

void Http2Connection::onRequestHead(int32_t id, bool endStream) noexcept {
  Http2Stream* stream = find(id);
  if (!stream || stream->taskRunning() || stream->taskDone()) return;
  stream->headersDone(endStream);
  stream->taskStarted();
  ++tasks_;
  asio::co_spawn(executor_, serveStream(*stream), asio::detached);
}

void Http2Connection::onData(int32_t id, std::string_view data) noexcept {
  if (Http2Stream* stream = find(id)) {
    stream->receiveData(data);
  } else {
    session_->consume(id, data.size());
  }
}

void Http2Connection::onRequestEnd(int32_t id) noexcept {
  if (Http2Stream* stream = find(id)) stream->receiveEnd();
}

void Http2Connection::onResetByPeer(int32_t id) noexcept {
  // A stream we no longer know was refused (or finished and forgotten): counted too, so
  // that the refusal of streams above the limit cannot hide a flood.
  Http2Stream* stream = find(id);
  if (stream && stream->responseComplete()) return;
  const auto now = Clock::now();
  prematureResets_.push_back(now);
  while (!prematureResets_.empty() && now - prematureResets_.front() > settings_.resetWindow) {
    prematureResets_.pop_front();
  }
  if (prematureResets_.size() > settings_.maxPrematureResets && !calmedDown_) {
    calmedDown_ = true;
    spdlog::info("http2 {}: {} streams reset by the client within {} ms: GOAWAY", remoteAddress_,
                 prematureResets_.size(), settings_.resetWindow.count());
    session_->terminate(http2::ErrorCode::kEnhanceYourCalm);
  }
}

void Http2Connection::onStreamClose(int32_t id, uint32_t) noexcept {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  it->second->markClosed(true);
  if (!it->second->taskRunning()) streams_.erase(it);
}

std::optional<std::size_t> Http2Connection::readResponseBody(int32_t id, uint8_t* out,
                                                             std::size_t capacity,
                                                             bool& eof,
                                                             bool& trailers) noexcept {
  Http2Stream* stream = find(id);
  if (!stream) {
    eof = true;
    return 0;
  }
  return stream->readResponse(out, capacity, eof, trailers);
}

asio::awaitable<void> Http2Connection::sendLocalReply(Http2Stream& h2, Stream& stream,
                                                      http::LocalReply& reply) {
  if (reply.head.status >= 400 && http::isGrpcRequest(stream.request())) {
    http::makeGrpcReply(reply, http::grpcStatusForHttp(reply.head.status));
  }
  const bool withBody = stream.request().method != "HEAD" && !reply.body.empty();
  stream.responseCode = reply.head.status;
  bool ok = co_await h2.sendHead(reply.head, !withBody);
  if (ok && withBody && co_await h2.sendBody(reply.body, true)) {
    stream.bytesSent += reply.body.size();
  }
}

asio::awaitable<void> Http2Connection::serveStream(Http2Stream& h2) {
  worker_.http2StreamOpened();
  struct Closed {
    Worker& worker;
    ~Closed() { worker.http2StreamClosed(); }
  } closed{worker_};
  // The stream pins the snapshot current when its head arrived.
  Stream stream(worker_.snapshot(), worker_.rng(), listenerPort_, &worker_.redisLimiter(),
                remoteAddress_);
  stream.request() = std::move(h2.head());
  filter::StreamState& state = stream.state();
  if (h2.headError() != 0) {
    state.addFlag("DPE");
    http::LocalReply reply = http::makeLocalReply(
        h2.headError(), h2.headError() == 431 ? "Request Header Fields Too Large" : "Bad Request");
    co_await sendLocalReply(h2, stream, reply);
  } else {
    if (socket_.isTls()) state.scheme = "https";
    addProxyHeaders(stream, remoteAddress_, worker_.rng());
    if (!socket_.isTls() || scopeToTlsServer(socket_, stream, listenerPort_)) {
      co_await runRequestFilters(stream, executor_);
    }
    if (state.localReply) {
      co_await sendLocalReply(h2, stream, *state.localReply);
    } else if (state.forward) {
      UpstreamExchange exchange(worker_, h2, h2, stream);
      co_await exchange.run();
    } else {
      // A filter stopped without replying or resuming: a bug, but the client gets an answer.
      http::LocalReply reply = http::makeLocalReply(500, "internal error");
      co_await sendLocalReply(h2, stream, reply);
    }
    // Envoy's flag for a request the client abandoned.
    if (h2.clientGone()) state.addFlag("DC");
    stream.chain().onComplete(stream);
  }
  logStream(worker_, stream, "HTTP/2");
  taskEnded(h2);
}

void Http2Connection::taskEnded(Http2Stream& stream) {
  stream.taskFinished();
  if (stream.closed()) streams_.erase(stream.id());
  wakeWriter();
  if (--tasks_ == 0) finished_.notify();
}

}  // namespace portico::core
