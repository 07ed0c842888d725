// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/downstream_connection.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "portico/core/http1_downstream.h"
#include "portico/core/http2_connection.h"
#include "portico/core/stream_steps.h"
#include "portico/core/upstream_exchange.h"
#include "portico/core/websocket_tunnel.h"
#include "portico/core/worker.h"
#include "portico/http/http1_serializer.h"
#include "portico/http/io_deadline.h"
#include "portico/tls/sni_selector.h"
#include "portico/tls/tls_listener_contexts.h"

namespace portico::core {
namespace asio = boost::asio;
using Status = http::Http1RequestReader::Status;

namespace {

// RFC 9113 3.4: a prior-knowledge HTTP/2 client starts with this.
constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// How long a closing TLS connection waits for the client's close_notify.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{500};

}  // namespace

DownstreamConnection::DownstreamConnection(Worker& worker, DownstreamTransport transport,
                                           uint16_t listenerPort)
    : worker_(worker),
      transport_(std::move(transport)),
      reader_(transport_, worker.options().codecLimits),
      listenerPort_(listenerPort) {
  boost::system::error_code ec;
  auto remote = transport_.lowestLayer().remote_endpoint(ec);
  if (!ec) remoteAddress_ = remote.address().to_string();
  transport_.lowestLayer().set_option(asio::ip::tcp::no_delay(true), ec);
  worker_.attach(this);
}

DownstreamConnection::~DownstreamConnection() { worker_.detach(this); }

void DownstreamConnection::drain() {
  draining_ = true;
  if (http2_) {
    http2_->drain();
  } else if (idle_) {
    abort();
  }
}

void DownstreamConnection::abort() {
  boost::system::error_code ec;
  transport_.lowestLayer().cancel(ec);
  transport_.lowestLayer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

asio::awaitable<DownstreamConnection::Protocol> DownstreamConnection::sniffProtocol() {
  // Peek, so that an HTTP/1.1 request stays in the socket for the reader untouched.
  auto& socket_ = transport_.lowestLayer();
  http::IoDeadline deadline(socket_.get_executor());
  deadline.arm(socket_, worker_.options().codecLimits.idleTimeout);
  char bytes[kHttp2Preface.size()];
  for (int waits = 0; waits < 1000; ++waits) {
    auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read,
                                            asio::as_tuple(asio::use_awaitable));
    if (ec) co_return Protocol::kClosed;
    ssize_t n = ::recv(socket_.native_handle(), bytes, sizeof bytes, MSG_PEEK);
    if (n <= 0) co_return Protocol::kClosed;
    auto got = static_cast<std::size_t>(n);
    if (std::memcmp(bytes, kHttp2Preface.data(), got) != 0) co_return Protocol::kHttp1;
    if (got == kHttp2Preface.size()) co_return Protocol::kHttp2;
    // A prefix of the preface (no HTTP/1.1 method starts with "PR"): wait for the rest.
    deadline.disarm();
    deadline.arm(socket_, worker_.options().codecLimits.headerTimeout);
    asio::steady_timer pause(socket_.get_executor(), std::chrono::milliseconds(1));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    if (deadline.expired()) co_return Protocol::kClosed;
  }
  co_return Protocol::kHttp1;
}

asio::awaitable<void> DownstreamConnection::run() {
  if (transport_.isTls()) {
    // The handshake shares the header timeout: a client must be as quick to say hello.
    auto ec = co_await transport_.handshake(worker_.options().codecLimits.headerTimeout);
    if (ec) {
      transport_.close();
      co_return;
    }
  }
  // TLS: ALPN decided (h2 or http/1.1); plain: prior-knowledge h2c is told by its preface.
  const Protocol protocol =
      transport_.isTls() ? (transport_.alpn() == "h2" ? Protocol::kHttp2 : Protocol::kHttp1)
                         : co_await sniffProtocol();
  if (protocol == Protocol::kHttp2) {
    Http2Connection connection(worker_, transport_, remoteAddress_, listenerPort_);
    http2_ = &connection;
    if (worker_.draining()) connection.drain();
    co_await connection.run();
    http2_ = nullptr;
    transport_.close();
    co_return;
  }
  for (;;) {
    if (protocol == Protocol::kClosed) break;
    if (worker_.draining() || draining_) break;
    idle_ = true;
    http::RequestHead head;
    auto result = co_await reader_.readHead(head);
    idle_ = false;
    if (result.status == Status::kClosed || result.status == Status::kIoError) break;
    // The stream pins the snapshot current when its head arrived.
    Stream stream(worker_.snapshot(), worker_.rng(), listenerPort_, &worker_.redisLimiter(),
                  remoteAddress_);
    stream.request() = std::move(head);
    if (result.status != Status::kOk) {
      co_await answerCodecError(stream, result);
      break;
    }
    if (!co_await serve(stream)) break;
  }
  if (transport_.isTls()) co_await transport_.shutdown(kTlsShutdownTimeout);
  transport_.close();
}

asio::awaitable<bool> DownstreamConnection::serve(Stream& stream) {
  filter::FilterChain& chain = stream.chain();
  filter::StreamState& state = stream.state();
  if (transport_.isTls()) state.scheme = "https";
  addProxyHeaders(stream, remoteAddress_, worker_.rng());
  if (!transport_.isTls() || scopeToTlsServer(transport_, stream, listenerPort_)) {
    co_await runRequestFilters(stream, transport_.get_executor());
  }

  bool keep = false;
  const http::RequestHead& request = stream.request();
  if (state.localReply) {
    // Local replies pass the filters that ran too (x-ratelimit-* of an admitted request).
    chain.encodeHeaders(stream, state.localReply->head);
    // An unread request body would be taken for the next request: close instead.
    keep = request.keepAlive && !worker_.draining() && !draining_ && reader_.bodyComplete();
    keep = co_await writeLocalReply(stream, *state.localReply, !keep) && keep;
  } else if (state.forward) {
    Http1Downstream downstream(transport_, reader_, stream.request(),
                               worker_.draining() || draining_);
    UpstreamExchange exchange(worker_, downstream, downstream, stream);
    keep = co_await exchange.run();
    if (auto upgraded = exchange.takeUpgraded()) {
      co_await tunnel(stream, exchange.upgradeHead(), *upgraded);
      keep = false;
    }
  } else {
    // A filter stopped without replying or resuming: a bug, but the client gets an answer.
    http::LocalReply reply = http::makeLocalReply(500, "internal error");
    co_await writeLocalReply(stream, reply, true);
  }
  chain.onComplete(stream);
  log(stream);
  co_return keep;
}

asio::awaitable<void> DownstreamConnection::tunnel(Stream& stream, const http::ResponseHead& head,
                                                  upstream::UpstreamConnection& upstream) {
  WebSocketTunnel tunnel(transport_, upstream, worker_.options().websocketIdleTimeout);
  worker_.webSocketOpened();
  auto result = co_await tunnel.run(head, reader_.takeBuffered(), upstream.reader().takeBuffered());
  worker_.webSocketClosed();
  stream.bytesReceived += result.bytesUp;
  stream.bytesSent += result.bytesDown;
  if (result.idleTimedOut) stream.state().addFlag("SI");  // Envoy's stream idle timeout flag
}

asio::awaitable<bool> DownstreamConnection::answerCodecError(
    Stream& stream, const http::Http1RequestReader::HeadResult& result) {
  unsigned code = 400;
  std::string_view body = "Bad Request";
  switch (result.status) {
    case Status::kUriTooLong:
      code = 414;
      body = "URI Too Long";
      break;
    case Status::kHeadersTooLarge:
      code = 431;
      body = "Request Header Fields Too Large";
      break;
    case Status::kTimeout:
      code = 408;
      body = "request timeout";
      break;
    default:
      break;
  }
  spdlog::debug("downstream {}: {} ({})", remoteAddress_, code, result.detail);
  stream.state().addFlag("DPE");
  http::LocalReply reply = http::makeLocalReply(code, body);
  bool ok = co_await writeLocalReply(stream, reply, true);
  log(stream);
  co_return ok;
}

asio::awaitable<bool> DownstreamConnection::writeLocalReply(Stream& stream, http::LocalReply& reply,
                                                            bool close) {
  if (auto id = stream.request().headers.get("x-request-id")) {
    reply.head.headers.set("x-request-id", *id);  // returned to the client, as Envoy does
  }
  std::string out;
  unsigned version = stream.request().version == 10 ? 10 : 11;
  http::appendResponseHead(reply.head, version, close, out);
  bool withBody = stream.request().method != "HEAD";
  if (withBody) out.append(reply.body);
  stream.responseCode = reply.head.status;
  auto [ec, n] =
      co_await asio::async_write(transport_, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
  if (!ec && withBody) stream.bytesSent += reply.body.size();
  co_return !ec;
}

void DownstreamConnection::log(Stream& stream) {
  logStream(worker_, stream, stream.request().version == 10 ? "HTTP/1.0" : "HTTP/1.1");
}

}  // namespace portico::core
