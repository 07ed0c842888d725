#include "portico/core/upstream_exchange.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "portico/core/worker.h"
#include "portico/http/grpc_reply.h"
#include "portico/http/http1_serializer.h"
#include "portico/http/io_deadline.h"
#include "portico/upstream/connection_admission.h"

namespace portico::core {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using RetryOn = route::RetryPolicy::On;
using LocalFailure = upstream::OutlierDetector::LocalFailure;

namespace {

// Keeps Host::activeRequests right for least-request balancing on every exit path.
class ActiveRequest {
 public:
  explicit ActiveRequest(upstream::Host& host) : host_(host) { ++host_.activeRequests; }
  ~ActiveRequest() { --host_.activeRequests; }
  ActiveRequest(const ActiveRequest&) = delete;
  ActiveRequest& operator=(const ActiveRequest&) = delete;

 private:
  upstream::Host& host_;
};

// While alive, a client that abandons the request cancels the upstream connection's I/O,
// so a reset HTTP/2 stream does not keep waiting for its upstream.
class CancelOnClientGone {
 public:
  CancelOnClientGone(DownstreamSink& sink, upstream::UpstreamConnection& conn) : sink_(sink) {
    sink_.onClientGone([&socket = conn.socket()] {
      boost::system::error_code ec;
      socket.cancel(ec);
    });
  }
  ~CancelOnClientGone() { release(); }
  CancelOnClientGone(const CancelOnClientGone&) = delete;
  CancelOnClientGone& operator=(const CancelOnClientGone&) = delete;
  void release() {
    if (armed_) sink_.onClientGone({});
    armed_ = false;
  }

 private:
  DownstreamSink& sink_;
  bool armed_ = true;
};

}  // namespace

UpstreamExchange::UpstreamExchange(Worker& worker, DownstreamSink& sink, RequestBodySource& body,
                                   Stream& stream)
    : worker_(worker),
      executor_(worker.context().get_executor()),
      sink_(sink),
      body_(body),
      stream_(stream),
      route_(*stream.state().route()) {}

bool UpstreamExchange::mayRetry(uint32_t reasonBits) {
  if (!(route_.retry.retryOn & reasonBits)) return false;
  if (retriesDone_ >= route_.retry.numRetries) return false;
  if (!replayable() || retryOverflowed_) return false;
  retrySlot_.release();  // the try that just failed was the previous retry, if any
  retrySlot_ = breaker_->admitRetry();
  retryOverflowed_ = !retrySlot_;
  return !retryOverflowed_;
}

UpstreamExchange::TryResult UpstreamExchange::overflowed() {
  if (routeDeadline_ && Clock::now() >= *routeDeadline_) {
    failure_ = {504, "upstream request timeout", "UT"};
  } else {
    failure_ = {503, std::string(kOverflowBody), "UO"};
  }
  return TryResult::kFailed;
}

bool UpstreamExchange::retriableStatus(unsigned status) const {
  uint32_t on = route_.retry.retryOn;
  if ((on & RetryOn::k5xx) && status >= 500) return true;
  if ((on & RetryOn::kGatewayError) && (status == 502 || status == 503 || status == 504)) {
    return true;
  }
  if ((on & RetryOn::kRetriable4xx) && status == 409) return true;
  if (on & RetryOn::kRetriableStatusCodes) {
    const auto& codes = route_.retry.retriableStatusCodes;
    if (std::find(codes.begin(), codes.end(), status) != codes.end()) return true;
  }
  return false;
}

asio::awaitable<bool> UpstreamExchange::run() {
  filter::StreamState& state = stream_.state();
  std::shared_ptr<upstream::Cluster> cluster = worker_.clusters().get(*state.cluster);
  co_await cluster->ensureHosts();
  breaker_ = &cluster->breaker();
  // A retry in flight ends with the exchange's upstream work, not with a WebSocket tunnel.
  struct RetryDone {
    upstream::CircuitBreaker::Slot& slot;
    ~RetryDone() { slot.release(); }
  } retryDone{retrySlot_};
  if (!stream_.request().hasBody() && route_.timeout) {
    routeDeadline_ = Clock::now() + *route_.timeout;
  }
  bool staleRetry = false;
  for (;;) {
    if (sink_.clientGone()) co_return false;
    TryResult result = co_await attempt(*cluster, staleRetry);
    if (result == TryResult::kResponded) co_return keepDownstream_;
    if (result == TryResult::kRetry) {
      staleRetry = false;
      if (forceFresh_) {
        // The upstream closed a pooled connection under us: not a retry in policy terms.
        forceFresh_ = false;
        staleRetry = true;
        continue;
      }
      ++retriesDone_;
      // Jittered exponential backoff: [0, base * 2^(n-1)), Envoy's default shape.
      auto base = route_.retry.backoffBase.count();
      auto ceiling = std::max<int64_t>(1, base << std::min<uint32_t>(retriesDone_ - 1, 8));
      auto wait = std::chrono::milliseconds(stream_.random() % static_cast<uint64_t>(ceiling));
      if (routeDeadline_ && Clock::now() + wait >= *routeDeadline_) {
        co_await writeLocal(504, "upstream request timeout", "UT");
        co_return keepDownstream_;
      }
      asio::steady_timer timer(executor_, wait);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (downstreamBroken_) co_return false;
    if (malformedBody_) {
      co_await writeLocal(400, "Bad Request", "DPE");
      co_return false;
    }
    if (retriesDone_ > 0) state.addFlag("URX");
    co_await writeLocal(failure_.status, failure_.body, failure_.flag);
    co_return keepDownstream_;
  }
}

asio::awaitable<UpstreamExchange::TryResult> UpstreamExchange::attempt(upstream::Cluster& cluster,
                                                                       bool forceFresh) {
  filter::StreamState& state = stream_.state();
  static const std::vector<const upstream::Host*> kNone;
  host_ = cluster.chooseHost(route_.retry.retryPreviousHosts ? tried_ : kNone, worker_.rng());
  if (!host_) {
    failure_ = {503, "no healthy upstream", "UH"};
    co_return TryResult::kFailed;
  }
  std::shared_ptr<upstream::Host> host = host_;
  state.upstreamHost = host->address;
  ActiveRequest active(*host);
  upstream::CircuitBreaker::Slot inFlight = breaker_->admitRequest();  // maxRequests
  if (!inFlight) co_return overflowed();

  // An upgraded connection leaves HTTP for good: it never comes from or goes to the pool.
  // WebSocket over HTTP/2 (RFC 8441) is not spoken upstream: upgrades use HTTP/1.1.
  const bool upgrade = stream_.request().upgrade;
  if (cluster.config().protocol == upstream::ClusterConfig::Protocol::kHttp2 && !upgrade) {
    co_return co_await attemptHttp2(cluster, *host);
  }
  std::unique_ptr<upstream::UpstreamConnection> conn;
  if (!forceFresh && !upgrade) conn = host->pool.takeIdle();
  bool reused = conn != nullptr;
  upstream::CircuitBreaker::Slot connectionSlot;
  if (!conn) {
    // maxConnections: open one, or wait as a pending request (maxPendingRequests).
    sink_.onClientGone([breaker = breaker_] { breaker->wakeWaiters(); });
    auto admitted = co_await upstream::admitHttp1Connection(
        *breaker_, host, !forceFresh && !upgrade, Clock::now() + connectTimeout(cluster),
        [this] { return sink_.clientGone(); });
    sink_.onClientGone({});
    using Outcome = upstream::ConnectionAdmission::Outcome;
    if (admitted.outcome == Outcome::kAbandoned) {
      downstreamBroken_ = true;
      co_return TryResult::kFailed;
    }
    if (admitted.outcome == Outcome::kOverflow) co_return overflowed();
    if (admitted.outcome == Outcome::kTimeout) {
      ++breaker_->counters.rqPendingOverflow;
      co_return overflowed();
    }
    conn = std::move(admitted.idle);
    reused = conn != nullptr;
    connectionSlot = std::move(admitted.slot);
  }
  if (!conn) {
    ++host->pool.counters.connecting;  // stats: pending request
    auto [ec, fresh] = co_await upstream::UpstreamConnection::connect(
        executor_, host->endpoint, connectTimeout(cluster));
    --host->pool.counters.connecting;
    ++(ec ? host->pool.counters.connectFail : host->pool.counters.created);
    if (ec) cluster.reportLocalFailure(*host, LocalFailure::kConnectFailed);
    if (ec) co_return connectFailed(*host);
    conn = std::move(fresh);
    conn->breakerSlot = std::move(connectionSlot);
  }
  upstreamStart_ = Clock::now();
  if (sink_.clientGone()) {
    // Gone while we connected: the connection is still clean, keep it for the next stream.
    host->pool.release(std::move(conn));
    downstreamBroken_ = true;
    co_return TryResult::kFailed;
  }
  CancelOnClientGone cancelOnGone(sink_, *conn);
  ++host->pool.counters.requests;

  if (!co_await sendRequest(*conn)) {
    if (sink_.clientGone()) downstreamBroken_ = true;
    if (downstreamBroken_ || malformedBody_) co_return TryResult::kFailed;
    if (reused && !staleRetried_ && replayable()) {
      staleRetried_ = true;
      forceFresh_ = true;
      co_return TryResult::kRetry;
    }
    tried_.push_back(host.get());
    cluster.reportLocalFailure(*host, LocalFailure::kReset);
    if (mayRetry(RetryOn::kReset | RetryOn::k5xx)) co_return TryResult::kRetry;
    failure_ = {502, std::string(kResetBody), "UC"};
    co_return TryResult::kFailed;
  }
  if (!routeDeadline_ && route_.timeout) routeDeadline_ = Clock::now() + *route_.timeout;

  bool perTryBinds = false;
  std::optional<Clock::time_point> deadlineAt = tryDeadline(perTryBinds);
  http::IoDeadline deadline(executor_);
  if (deadlineAt) deadline.armAt(conn->socket(), *deadlineAt);

  http::ResponseHead head;
  auto headResult = co_await conn->reader().readHead(head, stream_.request().method == "HEAD");
  if (headResult.ec || headResult.malformed) {
    bool timedOut = deadline.expired();
    deadline.disarm();
    if (sink_.clientGone()) {
      downstreamBroken_ = true;
      co_return TryResult::kFailed;
    }
    tried_.push_back(host.get());
    const bool stale = reused && headResult.noBytes && !headResult.malformed && !timedOut;
    if (!stale || staleRetried_ || !replayable()) {
      cluster.reportLocalFailure(*host, timedOut ? LocalFailure::kTimeout : LocalFailure::kReset);
    }
    if (timedOut) {
      if (perTryBinds && mayRetry(RetryOn::k5xx | RetryOn::kGatewayError | RetryOn::kReset |
                                  RetryOn::kDeadlineExceeded)) {
        co_return TryResult::kRetry;
      }
      failure_ = {504, "upstream request timeout", "UT"};
      co_return TryResult::kFailed;
    }
    if (headResult.malformed) {
      failure_ = {502, std::string(kProtocolErrorBody), "UPE"};
      co_return TryResult::kFailed;
    }
    if (reused && headResult.noBytes && !staleRetried_ && replayable()) {
      tried_.pop_back();
      staleRetried_ = true;
      forceFresh_ = true;
      co_return TryResult::kRetry;
    }
    if (mayRetry(RetryOn::kReset | RetryOn::k5xx)) co_return TryResult::kRetry;
    failure_ = {502, std::string(kResetBody), "UC"};
    co_return TryResult::kFailed;
  }

  cluster.reportStatus(*host, head.status);
  if (upgrade && head.status == 101) {
    cancelOnGone.release();
    deadline.disarm();
    stream_.chain().encodeHeaders(stream_, head);
    stream_.responseCode = 101;
    upgradeHead_ = std::move(head);
    upgraded_ = std::move(conn);
    keepDownstream_ = false;
    co_return TryResult::kResponded;
  }

  if (retriableStatus(head.status)) {
    if (mayRetry(~0u)) {
      // The response is dropped with its connection; the next try goes elsewhere if it can.
      tried_.push_back(host.get());
      co_return TryResult::kRetry;
    }
    if (retriesDone_ > 0) state.addFlag("URX");  // retry limit reached: this answer stands
  }

  bool complete = co_await streamResponse(*conn, head);
  cancelOnGone.release();
  bool timedOut = deadline.expired();
  deadline.disarm();
  if (!complete && timedOut) state.addFlag("UT");
  uint32_t maxPerConn = cluster.config().maxRequestsPerConnection;
  ++conn->requestsServed;
  if (complete && !upgrade && head.keepAlive && conn->reader().bodyComplete() &&
      !conn->reader().hasBufferedBytes() &&
      (maxPerConn == 0 || conn->requestsServed < maxPerConn)) {
    host->pool.release(std::move(conn));
  }
  co_return TryResult::kResponded;
}

std::chrono::milliseconds UpstreamExchange::connectTimeout(const upstream::Cluster& cluster) const {
  auto timeout = cluster.config().connectTimeout;
  if (routeDeadline_) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*routeDeadline_ - Clock::now());
    timeout = std::max(std::chrono::milliseconds(1), std::min(timeout, left));
  }
  return timeout;
}

UpstreamExchange::TryResult UpstreamExchange::connectFailed(upstream::Host& host) {
  tried_.push_back(&host);
  if (routeDeadline_ && Clock::now() >= *routeDeadline_) {
    failure_ = {504, "upstream request timeout", "UT"};
    return TryResult::kFailed;
  }
  if (mayRetry(RetryOn::kConnectFailure | RetryOn::k5xx | RetryOn::kGatewayError |
               RetryOn::kReset)) {
    return TryResult::kRetry;
  }
  failure_ = {503, std::string(kConnectFailureBody), "UF"};
  return TryResult::kFailed;
}

std::optional<Clock::time_point> UpstreamExchange::tryDeadline(bool& perTryBinds) const {
  std::optional<Clock::time_point> at = routeDeadline_;
  perTryBinds = false;
  if (route_.retry.perTryTimeout) {
    auto perTry = Clock::now() + *route_.retry.perTryTimeout;
    if (!at || perTry < *at) {
      at = perTry;
      perTryBinds = true;
    }
  }
  return at;
}

void UpstreamExchange::keepForReplay(std::string_view piece) {
  if (!bodyReplay_) return;
  if (bodyReplay_->size() + piece.size() > kMaxReplayBody) {
    bodyReplay_.reset();
  } else {
    bodyReplay_->append(piece);
  }
}

asio::awaitable<bool> UpstreamExchange::sendRequest(upstream::UpstreamConnection& conn) {
  const http::RequestHead& request = stream_.request();
  std::string out;
  http::appendRequestHead(request, out);
  auto& socket = conn.socket();

  if (!request.hasBody()) {
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }
  const bool chunked = request.framing == http::BodyFraming::kChunked;
  if (bodyStarted_) {
    // A retry: the whole body was kept (replayable() held).
    if (chunked) {
      http::appendChunk(*bodyReplay_, out);
      http::appendLastChunk(out);
    } else {
      out.append(*bodyReplay_);
    }
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  // Ask for the body only once a connection to the upstream is ready (RFC 7231 5.1.1).
  if (request.expectContinue && !sentContinue_ && !body_.hasBufferedBytes()) {
    sentContinue_ = true;
    if (!co_await sink_.sendContinue()) {
      downstreamBroken_ = true;
      co_return false;
    }
  }
  {
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;
  }
  bodyStarted_ = true;
  bodyReplay_.emplace();
  auto piece = std::make_unique_for_overwrite<char[]>(kBodyPiece);
  char sizeLine[24];
  for (;;) {
    auto body = co_await body_.readBody(piece.get(), kBodyPiece);
    if (body.failed) {
      bodyReplay_.reset();
      if (body.malformed) {
        malformedBody_ = true;
      } else {
        downstreamBroken_ = true;
      }
      co_return false;
    }
    stream_.bytesReceived += body.bytes;
    keepForReplay(std::string_view(piece.get(), body.bytes));
    std::array<asio::const_buffer, 3> buffers{};
    std::size_t count = 0;
    if (chunked) {
      if (body.bytes > 0) {
        int len = std::snprintf(sizeLine, sizeof sizeLine, "%zx\r\n", body.bytes);
        buffers[count++] = asio::buffer(sizeLine, static_cast<std::size_t>(len));
        buffers[count++] = asio::buffer(piece.get(), body.bytes);
        buffers[count++] = asio::buffer(body.done ? "\r\n0\r\n\r\n" : "\r\n", body.done ? 7 : 2);
      } else if (body.done) {
        buffers[count++] = asio::buffer("0\r\n\r\n", 5);
      }
    } else if (body.bytes > 0) {
      buffers[count++] = asio::buffer(piece.get(), body.bytes);
    }
    if (count > 0) {
      // Unused slots stay empty buffers, which write nothing.
      auto [ec, n] =
          co_await asio::async_write(socket, buffers, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!body.done) bodyReplay_.reset();
        co_return false;
      }
    }
    if (body.done) co_return true;
  }
}

asio::awaitable<bool> UpstreamExchange::sendResponseHead(http::ResponseHead& head, bool noBody) {
  const http::RequestHead& request = stream_.request();
  stream_.chain().encodeHeaders(stream_, head);
  auto serviceMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - upstreamStart_);
  stream_.upstreamServiceTime = std::to_string(serviceMs.count());
  head.headers.set("x-envoy-upstream-service-time", stream_.upstreamServiceTime);
  if (!head.headers.has("x-request-id")) {
    if (auto id = request.headers.get("x-request-id")) head.headers.add("x-request-id", *id);
  }
  head.reason.clear();
  stream_.responseCode = head.status;
  bool sent = co_await sink_.sendHead(head, noBody);
  keepDownstream_ = sent && sink_.keepAlive();
  if (!sent) downstreamBroken_ = true;
  co_return sent;
}

asio::awaitable<bool> UpstreamExchange::streamResponse(upstream::UpstreamConnection& conn,
                                                       http::ResponseHead& head) {
  const http::RequestHead& request = stream_.request();
  filter::StreamState& state = stream_.state();
  const bool noBody = request.method == "HEAD" || head.status == 204 || head.status == 304;
  if (!co_await sendResponseHead(head, noBody)) co_return false;
  if (noBody) co_return true;
  auto piece = std::make_unique_for_overwrite<char[]>(kBodyPiece);
  for (;;) {
    auto body = co_await conn.reader().readBody(piece.get(), kBodyPiece);
    if (body.failed) {
      // Mid-body failure: the client sees a truncated response and a closed connection.
      co_await sink_.abortResponse();
      if (state.responseFlags.empty()) state.addFlag("UPE");
      keepDownstream_ = false;
      co_return false;
    }
    if (!co_await sink_.sendBody(std::string_view(piece.get(), body.bytes), body.done)) {
      downstreamBroken_ = true;
      keepDownstream_ = false;
      co_return false;
    }
    stream_.bytesSent += body.bytes;
    if (body.done) co_return true;
  }
}

asio::awaitable<bool> UpstreamExchange::writeLocal(unsigned status, std::string_view body,
                                                   std::string_view flag) {
  filter::StreamState& state = stream_.state();
  if (!flag.empty()) state.addFlag(flag);
  const http::RequestHead& request = stream_.request();
  http::LocalReply reply = http::makeLocalReply(status, body);
  if (http::isGrpcRequest(request)) {
    // A route timeout is the call's deadline passing (DEADLINE_EXCEEDED), not UNAVAILABLE.
    http::makeGrpcReply(reply, flag == "UT" ? http::GrpcStatus::kDeadlineExceeded
                                            : http::grpcStatusForHttp(status));
  }
  // Like proxied responses, through the filters that ran (x-ratelimit-*, response headers).
  stream_.chain().encodeHeaders(stream_, reply.head);
  if (auto id = request.headers.get("x-request-id")) reply.head.headers.set("x-request-id", *id);
  if (flag == "UO") reply.head.headers.set("x-envoy-overloaded", "true");  // as Envoy's router
  const bool withBody = request.method != "HEAD" && !reply.body.empty();
  stream_.responseCode = reply.head.status;
  bool ok = co_await sink_.sendHead(reply.head, !withBody);
  if (ok && withBody) ok = co_await sink_.sendBody(reply.body, true);
  keepDownstream_ = ok && sink_.keepAlive();
  if (ok && withBody) stream_.bytesSent += reply.body.size();
  co_return ok;
}

}  // namespace portico::core
