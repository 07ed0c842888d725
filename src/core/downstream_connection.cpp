// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/downstream_connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>

#include "portico/core/upstream_exchange.h"
#include "portico/core/worker.h"
#include "portico/http/http1_serializer.h"

namespace portico::core {
namespace asio = boost::asio;
using Status = http::Http1RequestReader::Status;

namespace {

std::string makeRequestId(std::mt19937& rng) {
  uint32_t w[4] = {static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()),
                   static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())};
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff,
                w[2] >> 16, w[2] & 0xffff, w[3]);
  return buf;
}

}  // namespace

DownstreamConnection::DownstreamConnection(Worker& worker, asio::ip::tcp::socket socket,
                                           uint16_t listenerPort)
    : worker_(worker),
      socket_(std::move(socket)),
      reader_(socket_, worker.options().codecLimits),
      listenerPort_(listenerPort) {
  boost::system::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) remoteAddress_ = remote.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  worker_.attach(this);
}

DownstreamConnection::~DownstreamConnection() { worker_.detach(this); }

void DownstreamConnection::drain() {
  if (idle_) abort();
}

void DownstreamConnection::abort() {
  boost::system::error_code ec;
  socket_.cancel(ec);
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> DownstreamConnection::run() {
  for (;;) {
    if (worker_.draining()) break;
    idle_ = true;
    http::RequestHead head;
    auto result = co_await reader_.readHead(head);
    idle_ = false;
    if (result.status == Status::kClosed || result.status == Status::kIoError) break;
    // The stream pins the snapshot current when its head arrived.
    Stream stream(worker_.store().current(), worker_.rng(), listenerPort_,
                  &worker_.redisLimiter(), remoteAddress_);
    stream.request() = std::move(head);
    if (result.status != Status::kOk) {
      co_await answerCodecError(stream, result);
      break;
    }
    if (!co_await serve(stream)) break;
  }
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void DownstreamConnection::addRequestHeaders(Stream& stream) {
  http::RequestHead& request = stream.request();
  if (!remoteAddress_.empty()) {
    if (auto xff = request.headers.get("x-forwarded-for")) {
      std::string joined(*xff);
      joined.append(",").append(remoteAddress_);
      request.headers.set("x-forwarded-for", joined);
    } else {
      request.headers.add("x-forwarded-for", remoteAddress_);
    }
  }
  request.headers.set("x-forwarded-proto", stream.state().scheme);
  if (!request.headers.has("x-request-id")) {
    request.headers.add("x-request-id", makeRequestId(worker_.rng()));
  }
}

asio::awaitable<bool> DownstreamConnection::serve(Stream& stream) {
  addRequestHeaders(stream);
  filter::FilterChain& chain = stream.chain();
  filter::StreamState& state = stream.state();
  filter::FilterStatus status = chain.decodeHeaders(stream);
  while (status == filter::FilterStatus::kStopIteration && !state.localReply && !state.forward) {
    // A filter waiting on I/O (rate limit on Redis) calls resumeAfter() later.
    auto delay = co_await stream.awaitResume(socket_.get_executor(), std::chrono::seconds(60));
    if (!delay) break;
    asio::steady_timer timer(socket_.get_executor(), *delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    status = chain.resume(stream);
  }

  bool keep = false;
  const http::RequestHead& request = stream.request();
  if (state.localReply) {
    // Local replies pass the filters that ran too (x-ratelimit-* of an admitted request).
    chain.encodeHeaders(stream, state.localReply->head);
    // An unread request body would be taken for the next request: close instead.
    keep = request.keepAlive && !worker_.draining() && reader_.bodyComplete();
    keep = co_await writeLocalReply(stream, *state.localReply, !keep) && keep;
  } else if (state.forward) {
    UpstreamExchange exchange(worker_, socket_, reader_, stream);
    keep = co_await exchange.run();
  } else {
    // A filter stopped without replying or resuming: a bug, but the client gets an answer.
    http::LocalReply reply = http::makeLocalReply(500, "internal error");
    co_await writeLocalReply(stream, reply, true);
  }
  chain.onComplete(stream);
  log(stream);
  co_return keep;
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
  std::string out;
  unsigned version = stream.request().version == 10 ? 10 : 11;
  http::appendResponseHead(reply.head, version, close, out);
  bool withBody = stream.request().method != "HEAD";
  if (withBody) out.append(reply.body);
  stream.responseCode = reply.head.status;
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
  if (!ec && withBody) stream.bytesSent += reply.body.size();
  co_return !ec;
}

void DownstreamConnection::log(Stream& stream) {
  AccessLog& accessLog = worker_.accessLog();
  if (!accessLog.enabled()) return;
  const http::RequestHead& request = stream.request();
  const filter::StreamState& state = stream.state();
  std::string path;
  if (auto original = request.headers.get("x-envoy-original-path")) {
    path.assign(*original);
  } else {
    path = request.pathAndQuery();
  }
  AccessLogEntry e;
  e.startTime = stream.startTime;
  e.method = request.method;
  e.path = path;
  e.protocol = request.method.empty() ? "" : (request.version == 10 ? "HTTP/1.0" : "HTTP/1.1");
  e.responseCode = stream.responseCode;
  e.responseFlags = state.responseFlags;
  e.bytesReceived = stream.bytesReceived;
  e.bytesSent = stream.bytesSent;
  e.durationMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - stream.startSteady)
                     .count();
  e.upstreamServiceTime = stream.upstreamServiceTime;
  e.forwardedFor = request.headers.get("x-forwarded-for").value_or("");
  e.userAgent = request.headers.get("user-agent").value_or("");
  e.requestId = request.headers.get("x-request-id").value_or("");
  e.authority = request.authority;
  e.upstreamHost = state.upstreamHost;
  accessLog.write(e);
}

}  // namespace portico::core
