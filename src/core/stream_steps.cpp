// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/stream_steps.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "portico/core/downstream_transport.h"
#include "portico/core/worker.h"
#include "portico/tls/sni_selector.h"
#include "portico/tls/tls_listener_contexts.h"

namespace portico::core {
namespace asio = boost::asio;

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

void addProxyHeaders(Stream& stream, std::string_view remoteAddress, std::mt19937& rng) {
  http::RequestHead& request = stream.request();
  if (!remoteAddress.empty()) {
    if (auto xff = request.headers.get("x-forwarded-for")) {
      std::string joined(*xff);
      joined.append(",").append(remoteAddress);
      request.headers.set("x-forwarded-for", joined);
    } else {
      request.headers.add("x-forwarded-for", remoteAddress);
    }
  }
  request.headers.set("x-forwarded-proto", stream.state().scheme);
  if (!request.headers.has("x-request-id")) {
    request.headers.add("x-request-id", makeRequestId(rng));
  }
}

asio::awaitable<void> runRequestFilters(Stream& stream, asio::any_io_executor executor) {
  filter::FilterChain& chain = stream.chain();
  filter::StreamState& state = stream.state();
  filter::FilterStatus status = chain.decodeHeaders(stream);
  while (status == filter::FilterStatus::kStopIteration && !state.localReply && !state.forward) {
    // A filter waiting on I/O (a rate limit on Redis) calls resumeAfter() later.
    auto delay = co_await stream.awaitResume(executor, std::chrono::seconds(60));
    if (!delay) break;
    asio::steady_timer timer(executor, *delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    status = chain.resume(stream);
  }
}

bool scopeToTlsServer(DownstreamTransport& transport, Stream& stream, uint16_t listenerPort) {
  const tls::ServerTlsContext* server = transport.tlsServer();
  const route::ServerBinding* binding =
      server != nullptr
          ? tls::TlsListenerContexts::bindingOf(stream.snapshot(), listenerPort, *server)
          : nullptr;
  // No binding: a reload removed the server this connection was made for; the client
  // must open a new connection, which is what 421 tells it as well.
  if (binding == nullptr || !binding->virtualHosts ||
      !tls::SniSelector::hostAllowed(*server, stream.request().authority)) {
    stream.sendLocalReply(http::makeLocalReply(421, "Misdirected Request"), "");
    return false;
  }
  stream.state().virtualHosts = binding->virtualHosts.get();
  return true;
}

void logStream(Worker& worker, Stream& stream, std::string_view protocol) {
  const http::RequestHead& request = stream.request();
  const filter::StreamState& state = stream.state();
  auto duration = std::chrono::steady_clock::now() - stream.startSteady;
  stats::RequestSample sample;
  sample.responseCode = stream.responseCode;
  sample.responseFlags = state.responseFlags;
  if (const upstream::ClusterConfig* cluster = state.cluster) {
    sample.clusterName = cluster->name;
    sample.host = cluster->host;
    sample.subset = cluster->subset;
  }
  sample.durationMs = std::chrono::duration<double, std::milli>(duration).count();
  sample.requestBytes = stream.bytesReceived;
  sample.responseBytes = stream.bytesSent;
  worker.requestMetrics().record(sample);

  AccessLog& accessLog = worker.accessLog();
  if (!accessLog.enabled()) return;
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
  e.protocol = request.method.empty() ? "" : protocol;
  e.responseCode = stream.responseCode;
  e.responseFlags = state.responseFlags;
  e.bytesReceived = stream.bytesReceived;
  e.bytesSent = stream.bytesSent;
  e.durationMs = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  e.upstreamServiceTime = stream.upstreamServiceTime;
  e.forwardedFor = request.headers.get("x-forwarded-for").value_or("");
  e.userAgent = request.headers.get("user-agent").value_or("");
  e.requestId = request.headers.get("x-request-id").value_or("");
  e.authority = request.authority;
  e.upstreamHost = state.upstreamHost;
  accessLog.write(e, worker.id());
}

}  // namespace portico::core
