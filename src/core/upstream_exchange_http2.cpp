// UpstreamExchange's HTTP/2 upstream path: one stream on a pooled, multiplexed connection
// (upstream::Http2ConnectionPool). For a full-duplex client (HTTP/2) the request body is
// pumped on its own coroutine while the response streams back, so gRPC's bidirectional
// calls work; for HTTP/1.1 clients the body goes first, as on the HTTP/1.1 path. Trailers
// pass through (grpc-status), and a route timeout ends a gRPC call with DEADLINE_EXCEEDED
// rather than a hung or reset stream.

// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <boost/asio/co_spawn.hpp>

#include "portico/core/async_signal.h"
#include "portico/core/upstream_exchange.h"
#include "portico/core/worker.h"
#include "portico/http/grpc_reply.h"
#include "portico/upstream/http2_connection_pool.h"

namespace portico::core {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using RetryOn = route::RetryPolicy::On;
using LocalFailure = upstream::OutlierDetector::LocalFailure;

namespace {

constexpr std::string_view kTimeoutBody = "upstream request timeout";

// Connection-specific fields (RFC 9113 8.2.2) never go upstream over HTTP/2.
bool dropForHttp2(const http::HeaderMap::Entry& entry) {
  const std::string& n = entry.name;
  if (n == "te") return entry.value != "trailers";
  return n == "connection" || n == "keep-alive" || n == "proxy-connection" ||
         n == "transfer-encoding" || n == "upgrade" || n == "host" || n == "content-length";
}

// While alive, a client that abandons the request cancels the upstream stream's waits.
class CancelStreamOnClientGone {
 public:
  CancelStreamOnClientGone(DownstreamSink& sink, upstream::Http2UpstreamStream& up)
      : sink_(sink) {
    sink_.onClientGone([&up] { up.cancel(); });
  }
  ~CancelStreamOnClientGone() { sink_.onClientGone({}); }
  CancelStreamOnClientGone(const CancelStreamOnClientGone&) = delete;
  CancelStreamOnClientGone& operator=(const CancelStreamOnClientGone&) = delete;

 private:
  DownstreamSink& sink_;
};

// A stream promised by the pool but not opened gives its slot back.
class Promise {
 public:
  explicit Promise(upstream::Http2UpstreamConnection& c) : connection_(c) {}
  ~Promise() { settle(); }
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;
  void settle() {
    if (pending_) connection_.unpromise();
    pending_ = false;
  }

 private:
  upstream::Http2UpstreamConnection& connection_;
  bool pending_ = true;
};

}  // namespace

asio::awaitable<UpstreamExchange::TryResult> UpstreamExchange::attemptHttp2(
    upstream::Cluster& cluster, upstream::Host& host) {
  filter::StreamState& state = stream_.state();
  const http::RequestHead& request = stream_.request();
  auto lease = host.http2.acquire(executor_, host.endpoint, connectTimeout(cluster),
                                  cluster.config().maxRequestsPerConnection);
  std::shared_ptr<upstream::Http2UpstreamConnection> connection = lease.connection;
  Promise promise(*connection);
  if (lease.fresh) ++host.pool.counters.connecting;
  boost::system::error_code ec = co_await connection->ready();
  if (lease.fresh) {
    --host.pool.counters.connecting;
    ++(ec ? host.pool.counters.connectFail : host.pool.counters.created);
  } else if (!ec) {
    ++host.pool.counters.reused;
  }
  if (ec) cluster.reportLocalFailure(host, LocalFailure::kConnectFailed);
  if (ec) co_return connectFailed(host);
  upstreamStart_ = Clock::now();
  if (sink_.clientGone()) {
    downstreamBroken_ = true;
    co_return TryResult::kFailed;
  }
  ++host.pool.counters.requests;

  // RFC 9113 8.3.1: pseudo-headers first; the authority replaces Host.
  const std::string path = request.pathAndQuery();
  std::string length;
  std::vector<http2::HeaderField> fields;
  fields.reserve(request.headers.size() + 5);
  fields.push_back({":method", request.method});
  fields.push_back({":scheme", "http"});
  fields.push_back({":authority", request.authority});
  fields.push_back({":path", path});
  for (const auto& entry : request.headers.entries()) {
    if (!dropForHttp2(entry)) fields.push_back({entry.name, entry.value});
  }
  if (request.framing == http::BodyFraming::kContentLength) {
    length = std::to_string(request.contentLength);
    fields.push_back({"content-length", length});
  }

  upstream::Http2UpstreamStream up(executor_);
  const bool opened = connection->open(up, fields, request.hasBody());
  promise.settle();
  if (!opened) {
    // The connection went away (GOAWAY, reset) between the pool and here: nothing was sent.
    tried_.push_back(&host);
    if (replayable() && !staleRetried_) {
      staleRetried_ = true;
      forceFresh_ = true;
      co_return TryResult::kRetry;
    }
    failure_ = {503, std::string(kConnectFailureBody), "UF"};
    co_return TryResult::kFailed;
  }
  CancelStreamOnClientGone cancelOnGone(sink_, up);
  if (!routeDeadline_ && route_.timeout) routeDeadline_ = Clock::now() + *route_.timeout;
  bool perTryBinds = false;
  if (auto at = tryDeadline(perTryBinds)) up.armDeadline(*at);

  // The request body: replayed whole on a retry, pumped alongside the response for a
  // full-duplex client, or sent first.
  bool pumping = false;
  PumpResult pumped = PumpResult::kDone;
  AsyncSignal pumpDone(executor_);
  if (request.hasBody()) {
    if (bodyStarted_) {
      co_await up.sendBody(*bodyReplay_, true);
    } else if (sink_.fullDuplex()) {
      pumping = true;
      asio::co_spawn(executor_, pumpRequestBody(up),
                     [&](std::exception_ptr, PumpResult result) {
                       pumped = result;
                       pumping = false;
                       pumpDone.notify();
                     });
    } else {
      if (request.expectContinue && !sentContinue_ && !body_.hasBufferedBytes()) {
        sentContinue_ = true;
        if (!co_await sink_.sendContinue()) {
          downstreamBroken_ = true;
          co_return TryResult::kFailed;
        }
      }
      pumped = co_await pumpRequestBody(up);
    }
  }
  // Every exit waits for the pump: it uses `up` and this frame.
  auto stopPump = [&]() -> asio::awaitable<void> {
    if (!pumping) co_return;
    body_.cancelRead();
    while (pumping) co_await pumpDone.wait();
  };

  TryResult result = TryResult::kResponded;
  if (pumped == PumpResult::kCancelled && !pumping && (malformedBody_ || downstreamBroken_)) {
    result = TryResult::kFailed;
  } else if (!co_await up.awaitHead()) {
    co_await stopPump();
    if (sink_.clientGone() || downstreamBroken_ || malformedBody_) {
      downstreamBroken_ = downstreamBroken_ || sink_.clientGone();
      co_return TryResult::kFailed;
    }
    tried_.push_back(&host);
    cluster.reportLocalFailure(host, up.timedOut() ? LocalFailure::kTimeout : LocalFailure::kReset);
    if (up.timedOut()) {
      if (perTryBinds && mayRetry(RetryOn::k5xx | RetryOn::kGatewayError | RetryOn::kReset |
                                  RetryOn::kDeadlineExceeded)) {
        co_return TryResult::kRetry;
      }
      failure_ = {504, std::string(kTimeoutBody), "UT"};
      co_return TryResult::kFailed;
    }
    if (up.refused() && mayRetry(RetryOn::kRefusedStream | RetryOn::kResetBeforeRequest |
                                 RetryOn::kReset)) {
      co_return TryResult::kRetry;
    }
    if (mayRetry(RetryOn::kReset | RetryOn::k5xx)) co_return TryResult::kRetry;
    failure_ = {502, std::string(up.resetCode() == 0 ? kProtocolErrorBody : kResetBody), "UR"};
    co_return TryResult::kFailed;
  } else if (cluster.reportStatus(host, up.head().status),
             (retriableStatus(up.head().status) || retriableGrpcStatus(up)) && mayRetry(~0u)) {
    co_await stopPump();
    tried_.push_back(&host);
    co_return TryResult::kRetry;
  } else {
    if ((retriableStatus(up.head().status) || retriableGrpcStatus(up)) && retriesDone_ > 0) {
      state.addFlag("URX");
    }
    co_await streamResponseHttp2(up);
  }
  // A client still sending after a complete response (RFC 9113 8.1 allows it) is not
  // waited for: the rest of its body is dropped as it arrives.
  co_await stopPump();
  co_return result;
}

bool UpstreamExchange::retriableGrpcStatus(const upstream::Http2UpstreamStream& up) const {
  // Only a trailers-only answer can be retried: a status in real trailers comes after
  // response messages the client may already have.
  if (!up.headOnly()) return false;
  auto status = up.head().headers.get("grpc-status");
  if (!status) return false;
  uint32_t on = route_.retry.retryOn;
  if (*status == "1") return (on & RetryOn::kCancelled) != 0;
  if (*status == "4") return (on & RetryOn::kDeadlineExceeded) != 0;
  if (*status == "8") return (on & RetryOn::kResourceExhausted) != 0;
  if (*status == "13") return (on & RetryOn::kInternal) != 0;
  if (*status == "14") return (on & RetryOn::kUnavailable) != 0;
  return false;
}

asio::awaitable<UpstreamExchange::PumpResult> UpstreamExchange::pumpRequestBody(
    upstream::Http2UpstreamStream& up) {
  bodyStarted_ = true;
  bodyReplay_.emplace();
  auto piece = std::make_unique_for_overwrite<char[]>(kBodyPiece);
  for (;;) {
    auto body = co_await body_.readBody(piece.get(), kBodyPiece);
    if (body.failed) {
      // Cut short: what was kept is not the whole body, so it cannot be replayed.
      bodyReplay_.reset();
      if (body.malformed) {
        malformedBody_ = true;
      } else if (sink_.clientGone()) {
        downstreamBroken_ = true;
      }
      up.cancel();
      co_return PumpResult::kCancelled;
    }
    stream_.bytesReceived += body.bytes;
    keepForReplay(std::string_view(piece.get(), body.bytes));
    if (!co_await up.sendBody(std::string_view(piece.get(), body.bytes), body.done)) {
      if (!body.done) bodyReplay_.reset();
      co_return PumpResult::kUpstreamGone;
    }
    if (body.done) co_return PumpResult::kDone;
  }
}

asio::awaitable<bool> UpstreamExchange::streamResponseHttp2(upstream::Http2UpstreamStream& up) {
  const http::RequestHead& request = stream_.request();
  filter::StreamState& state = stream_.state();
  http::ResponseHead& head = up.head();
  // A head that ended the stream (gRPC's trailers-only reply) has nothing after it.
  const bool noBody =
      request.method == "HEAD" || head.status == 204 || head.status == 304 || up.headOnly();
  if (!co_await sendResponseHead(head, noBody)) co_return false;
  if (noBody) co_return true;
  auto piece = std::make_unique_for_overwrite<char[]>(kBodyPiece);
  for (;;) {
    auto body = co_await up.readBody(piece.get(), kBodyPiece);
    if (body.failed) {
      if (up.timedOut() && http::isGrpcRequest(request)) {
        // The deadline passed mid-call: the client gets a status, not a reset.
        http::HeaderMap trailers;
        trailers.add("grpc-status",
                     std::to_string(static_cast<uint32_t>(http::GrpcStatus::kDeadlineExceeded)));
        trailers.add("grpc-message", kTimeoutBody);
        state.addFlag("UT");
        co_await sink_.sendTrailers(trailers);
        co_return false;
      }
      co_await sink_.abortResponse();
      if (state.responseFlags.empty()) state.addFlag(up.timedOut() ? "UT" : "UPE");
      keepDownstream_ = false;
      co_return false;
    }
    std::string_view data(piece.get(), body.bytes);
    bool ok = true;
    if (body.done && up.hasTrailers()) {
      if (!data.empty()) ok = co_await sink_.sendBody(data, false);
      if (ok) ok = co_await sink_.sendTrailers(up.trailers());
    } else if (!data.empty() || body.done) {
      ok = co_await sink_.sendBody(data, body.done);
    }
    if (!ok) {
      downstreamBroken_ = true;
      keepDownstream_ = false;
      co_return false;
    }
    stream_.bytesSent += body.bytes;
    if (body.done) co_return true;
  }
}

}  // namespace portico::core
