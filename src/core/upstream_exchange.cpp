#include "portico/core/upstream_exchange.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "portico/core/worker.h"
#include "portico/http/http1_serializer.h"
#include "portico/http/io_deadline.h"

namespace portico::core {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using RetryOn = route::RetryPolicy::On;

namespace {

constexpr std::size_t kBodyPiece = 64 * 1024;
constexpr std::size_t kMaxReplayBody = 64 * 1024;

constexpr std::string_view kConnectFailureBody =
    "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
constexpr std::string_view kResetBody =
    "upstream connect error or disconnect/reset before headers. reset reason: connection "
    "termination";
constexpr std::string_view kProtocolErrorBody =
    "upstream connect error or disconnect/reset before headers. reset reason: protocol error";

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

}  // namespace

UpstreamExchange::UpstreamExchange(Worker& worker, asio::ip::tcp::socket& downstream,
                                   http::Http1RequestReader& reader, Stream& stream)
    : worker_(worker),
      downstream_(downstream),
      reader_(reader),
      stream_(stream),
      route_(*stream.state().route()) {}

bool UpstreamExchange::mayRetry(uint32_t reasonBits) const {
  if (!(route_.retry.retryOn & reasonBits)) return false;
  if (retriesDone_ >= route_.retry.numRetries) return false;
  return replayable();
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
  if (!stream_.request().hasBody() && route_.timeout) {
    routeDeadline_ = Clock::now() + *route_.timeout;
  }
  bool staleRetry = false;
  for (;;) {
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
      asio::steady_timer timer(downstream_.get_executor(), wait);
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

  std::unique_ptr<upstream::UpstreamConnection> conn;
  if (!forceFresh) conn = host->pool.takeIdle();
  bool reused = conn != nullptr;
  if (!conn) {
    auto timeout = cluster.config().connectTimeout;
    if (routeDeadline_) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*routeDeadline_ - Clock::now());
      timeout = std::max(std::chrono::milliseconds(1), std::min(timeout, left));
    }
    auto [ec, fresh] = co_await upstream::UpstreamConnection::connect(downstream_.get_executor(),
                                                                      host->endpoint, timeout);
    if (ec) {
      tried_.push_back(host.get());
      if (routeDeadline_ && Clock::now() >= *routeDeadline_) {
        failure_ = {504, "upstream request timeout", "UT"};
        co_return TryResult::kFailed;
      }
      if (mayRetry(RetryOn::kConnectFailure | RetryOn::k5xx | RetryOn::kGatewayError |
                   RetryOn::kReset)) {
        co_return TryResult::kRetry;
      }
      failure_ = {503, std::string(kConnectFailureBody), "UF"};
      co_return TryResult::kFailed;
    }
    conn = std::move(fresh);
  }
  upstreamStart_ = Clock::now();

  if (!co_await sendRequest(*conn)) {
    if (downstreamBroken_ || malformedBody_) co_return TryResult::kFailed;
    if (reused && !staleRetried_ && replayable()) {
      staleRetried_ = true;
      forceFresh_ = true;
      co_return TryResult::kRetry;
    }
    tried_.push_back(host.get());
    if (mayRetry(RetryOn::kReset | RetryOn::k5xx)) co_return TryResult::kRetry;
    failure_ = {502, std::string(kResetBody), "UC"};
    co_return TryResult::kFailed;
  }
  if (!routeDeadline_ && route_.timeout) routeDeadline_ = Clock::now() + *route_.timeout;

  std::optional<Clock::time_point> tryDeadline = routeDeadline_;
  bool perTryBinds = false;
  if (route_.retry.perTryTimeout) {
    auto perTry = Clock::now() + *route_.retry.perTryTimeout;
    if (!tryDeadline || perTry < *tryDeadline) {
      tryDeadline = perTry;
      perTryBinds = true;
    }
  }
  http::IoDeadline deadline(downstream_.get_executor());
  if (tryDeadline) deadline.armAt(conn->socket(), *tryDeadline);

  http::ResponseHead head;
  auto headResult = co_await conn->reader().readHead(head, stream_.request().method == "HEAD");
  if (headResult.ec || headResult.malformed) {
    bool timedOut = deadline.expired();
    deadline.disarm();
    tried_.push_back(host.get());
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

  if (retriableStatus(head.status)) {
    if (mayRetry(~0u)) {
      // The response is dropped with its connection; the next try goes elsewhere if it can.
      tried_.push_back(host.get());
      co_return TryResult::kRetry;
    }
    if (retriesDone_ > 0) state.addFlag("URX");  // retry limit reached: this answer stands
  }

  bool complete = co_await streamResponse(*conn, head);
  bool timedOut = deadline.expired();
  deadline.disarm();
  if (!complete && timedOut) state.addFlag("UT");
  uint32_t maxPerConn = cluster.config().maxRequestsPerConnection;
  ++conn->requestsServed;
  if (complete && head.keepAlive && conn->reader().bodyComplete() &&
      !conn->reader().hasBufferedBytes() &&
      (maxPerConn == 0 || conn->requestsServed < maxPerConn)) {
    host->pool.release(std::move(conn));
  }
  co_return TryResult::kResponded;
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
  if (request.expectContinue && !sentContinue_ && !reader_.hasBufferedBytes()) {
    sentContinue_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [ec, n] = co_await asio::async_write(downstream_, asio::buffer(kContinue),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) {
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
  auto piece = std::make_unique<char[]>(kBodyPiece);
  char sizeLine[24];
  for (;;) {
    auto body = co_await reader_.readBody(piece.get(), kBodyPiece);
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
    if (bodyReplay_) {
      if (bodyReplay_->size() + body.bytes > kMaxReplayBody) {
        bodyReplay_.reset();
      } else {
        bodyReplay_->append(piece.get(), body.bytes);
      }
    }
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

asio::awaitable<bool> UpstreamExchange::streamResponse(upstream::UpstreamConnection& conn,
                                                       http::ResponseHead& head) {
  const http::RequestHead& request = stream_.request();
  filter::StreamState& state = stream_.state();
  stream_.chain().encodeHeaders(stream_, head);
  auto serviceMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - upstreamStart_);
  stream_.upstreamServiceTime = std::to_string(serviceMs.count());
  head.headers.set("x-envoy-upstream-service-time", stream_.upstreamServiceTime);
  if (!head.headers.has("x-request-id")) {
    if (auto id = request.headers.get("x-request-id")) head.headers.add("x-request-id", *id);
  }
  head.reason.clear();

  const bool headRequest = request.method == "HEAD";
  const bool noBody = headRequest || head.status == 204 || head.status == 304;
  bool closeDelimitedDown = false;
  http::ResponseHead& down = head;
  const bool upstreamChunked = head.framing == http::BodyFraming::kChunked;
  if (!noBody && head.framing != http::BodyFraming::kContentLength) {
    if (request.version == 11) {
      down.framing = http::BodyFraming::kChunked;
    } else {
      down.framing = http::BodyFraming::kNone;
      closeDelimitedDown = true;
    }
  }
  (void)upstreamChunked;
  keepDownstream_ =
      request.keepAlive && !worker_.draining() && reader_.bodyComplete() && !closeDelimitedDown;
  std::string out;
  http::appendResponseHead(down, request.version == 10 ? 10 : 11, !keepDownstream_, out);
  stream_.responseCode = head.status;

  if (noBody) {
    co_return co_await writeDownstream(out);
  }
  const bool chunkedDown = down.framing == http::BodyFraming::kChunked;
  auto piece = std::make_unique<char[]>(kBodyPiece);
  for (;;) {
    auto body = co_await conn.reader().readBody(piece.get(), kBodyPiece);
    if (body.failed) {
      // Mid-body failure: the client sees a truncated response and a closed connection.
      if (!out.empty()) co_await writeDownstream(out);
      if (state.responseFlags.empty()) state.addFlag("UPE");
      keepDownstream_ = false;
      co_return false;
    }
    std::string_view data(piece.get(), body.bytes);
    if (chunkedDown) {
      http::appendChunk(data, out);
      if (body.done) http::appendLastChunk(out);
    } else {
      out.append(data);
    }
    if (!out.empty() && !co_await writeDownstream(out)) {
      keepDownstream_ = false;
      co_return false;
    }
    stream_.bytesSent += body.bytes;
    out.clear();
    if (body.done) co_return true;
  }
}

asio::awaitable<bool> UpstreamExchange::writeDownstream(const std::string& bytes) {
  auto [ec, n] = co_await asio::async_write(downstream_, asio::buffer(bytes),
                                            asio::as_tuple(asio::use_awaitable));
  if (ec) downstreamBroken_ = true;
  co_return !ec;
}

asio::awaitable<bool> UpstreamExchange::writeLocal(unsigned status, std::string_view body,
                                                   std::string_view flag) {
  filter::StreamState& state = stream_.state();
  if (!flag.empty()) state.addFlag(flag);
  const http::RequestHead& request = stream_.request();
  http::LocalReply reply = http::makeLocalReply(status, body);
  // Like proxied responses, through the filters that ran (x-ratelimit-*, response headers).
  stream_.chain().encodeHeaders(stream_, reply.head);
  keepDownstream_ = request.keepAlive && !worker_.draining() && reader_.bodyComplete();
  std::string out;
  http::appendResponseHead(reply.head, request.version == 10 ? 10 : 11, !keepDownstream_, out);
  bool withBody = request.method != "HEAD";
  if (withBody) out.append(reply.body);
  stream_.responseCode = status;
  bool ok = co_await writeDownstream(out);
  if (ok && withBody) stream_.bytesSent += reply.body.size();
  if (!ok) keepDownstream_ = false;
  co_return ok;
}

}  // namespace portico::core
