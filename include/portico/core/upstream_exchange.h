// The router's I/O for one stream: picks a host, takes a pooled connection (or connects),
// streams the request up, reads the response head (retrying per the route's RetryPolicy
// and once on a stale keep-alive connection), runs the head back through the filter chain
// and streams the body down. Bodies pass in 64 KiB pieces: memory stays flat. HTTP/2
// clusters take a stream on a multiplexed connection instead (upstream_exchange_http2.cpp),
// with both directions pumped at once for HTTP/2 clients (gRPC streaming). The client
// side is a DownstreamSink and a RequestBodySource, so HTTP/1.1 connections and HTTP/2
// streams share this code.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/downstream_sink.h"
#include "portico/core/request_body_source.h"
#include "portico/core/stream.h"
#include "portico/upstream/cluster.h"
#include "portico/upstream/http2_upstream_stream.h"

namespace portico::core {

class Worker;

class UpstreamExchange {
 public:
  UpstreamExchange(Worker& worker, DownstreamSink& sink, RequestBodySource& body, Stream& stream);

  // Returns whether the downstream connection may carry another request.
  boost::asio::awaitable<bool> run();
  // After run(), for a WebSocket upgrade the upstream accepted with 101: its connection
  // (fresh, never pooled) and the filtered 101 head; the caller tunnels. Null otherwise.
  std::unique_ptr<upstream::UpstreamConnection> takeUpgraded() { return std::move(upgraded_); }
  const http::ResponseHead& upgradeHead() const { return upgradeHead_; }

 private:
  enum class TryResult { kResponded, kRetry, kFailed };
  struct Failure {
    unsigned status = 0;
    std::string body;
    std::string flag;
  };

  // Outcome of pumping the request body to an HTTP/2 upstream stream.
  enum class PumpResult { kDone, kUpstreamGone, kCancelled };

  boost::asio::awaitable<TryResult> attempt(upstream::Cluster& cluster, bool forceFresh);
  boost::asio::awaitable<TryResult> attemptHttp2(upstream::Cluster& cluster,
                                                 upstream::Host& host);
  boost::asio::awaitable<PumpResult> pumpRequestBody(upstream::Http2UpstreamStream& up);
  boost::asio::awaitable<bool> streamResponseHttp2(upstream::Http2UpstreamStream& up);
  // Keeps the first kMaxReplayBody bytes of the request body for a retry.
  void keepForReplay(std::string_view piece);
  TryResult connectFailed(upstream::Host& host);
  std::chrono::milliseconds connectTimeout(const upstream::Cluster& cluster) const;
  // The earlier of the route deadline and the per-try timeout; `perTryBinds`: the latter.
  std::optional<std::chrono::steady_clock::time_point> tryDeadline(bool& perTryBinds) const;
  boost::asio::awaitable<bool> sendRequest(upstream::UpstreamConnection& conn);
  boost::asio::awaitable<bool> streamResponse(upstream::UpstreamConnection& conn,
                                              http::ResponseHead& head);
  // The upstream's head through the filter chain to the client, with Envoy's added headers.
  boost::asio::awaitable<bool> sendResponseHead(http::ResponseHead& head, bool noBody);
  boost::asio::awaitable<bool> writeLocal(unsigned status, std::string_view body,
                                          std::string_view flag);
  // Also takes a retry slot of the cluster's circuit breaker (maxRetries) for the retry.
  bool mayRetry(uint32_t reasonBits);
  // A circuit-breaker refusal: 503 UO (overflow), or 504 UT once the route deadline passed.
  TryResult overflowed();
  bool retriableStatus(unsigned status) const;
  // A gRPC trailers-only answer whose grpc-status the route's retryOn names (cancelled,
  // deadline-exceeded, internal, resource-exhausted, unavailable), as Envoy's router does.
  bool retriableGrpcStatus(const upstream::Http2UpstreamStream& up) const;
  bool replayable() const { return !bodyStarted_ || bodyReplay_.has_value(); }

  static constexpr std::size_t kBodyPiece = 64 * 1024;
  static constexpr std::size_t kMaxReplayBody = 64 * 1024;
  static constexpr std::string_view kConnectFailureBody =
      "upstream connect error or disconnect/reset before headers. reset reason: connection "
      "failure";
  static constexpr std::string_view kResetBody =
      "upstream connect error or disconnect/reset before headers. reset reason: connection "
      "termination";
  static constexpr std::string_view kOverflowBody =
      "upstream connect error or disconnect/reset before headers. reset reason: overflow";
  static constexpr std::string_view kProtocolErrorBody =
      "upstream connect error or disconnect/reset before headers. reset reason: protocol error";

  Worker& worker_;
  boost::asio::any_io_executor executor_;
  DownstreamSink& sink_;
  RequestBodySource& body_;
  Stream& stream_;
  const route::Route& route_;
  std::vector<const upstream::Host*> tried_;
  std::shared_ptr<upstream::Host> host_;
  uint32_t retriesDone_ = 0;
  upstream::CircuitBreaker* breaker_ = nullptr;  // the cluster's, set by run()
  upstream::CircuitBreaker::Slot retrySlot_;      // the retry in flight, if any
  bool retryOverflowed_ = false;  // maxRetries refused a retry: the failure stands
  bool staleRetried_ = false;
  bool forceFresh_ = false;    // the next try must open a new connection
  bool bodyStarted_ = false;   // request body bytes were consumed from the client
  bool sentContinue_ = false;  // "100 Continue" written to the client
  bool downstreamBroken_ = false;
  bool malformedBody_ = false;
  std::optional<std::string> bodyReplay_;  // the whole request body, while it is small
  std::optional<std::chrono::steady_clock::time_point> routeDeadline_;
  std::chrono::steady_clock::time_point upstreamStart_;
  Failure failure_;
  bool keepDownstream_ = false;
  std::unique_ptr<upstream::UpstreamConnection> upgraded_;
  http::ResponseHead upgradeHead_;
};

}  // namespace portico::core
