// Upstream HTTP/2 and gRPC through the real binary: a gRPC-shaped nghttp2 upstream
// (portico_test_h2_upstream) behind a ServiceEntry port of protocol GRPC, real HTTP/2 and
// HTTP/1.1 clients in front. Unary and bidirectional calls with trailers, trailers-only
// errors, route timeouts as DEADLINE_EXCEEDED, multiplexing, and protocol translation.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/grpc_client.h"
#include "support/h2_upstream.h"
#include "support/http2_request.h"
#include "tls_pki.h"

namespace portico::testing {
namespace {
using namespace std::chrono_literals;

constexpr const char* kRoutes = R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: upgrade}
spec:
  host: upgraded.default.svc.cluster.local
  trafficPolicy:
    connectionPool:
      http: {h2UpgradePolicy: UPGRADE}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [product-gateway]
  http:
  - name: short-deadline
    match: [{headers: {x-deadline: {exact: short}}}]
    timeout: 0.6s
    route: [{destination: {host: grpc.default.svc.cluster.local, port: {number: 50051}}}]
  - name: retried
    match: [{headers: {x-retry: {exact: "yes"}}}]
    retries: {attempts: 2, retryOn: internal}
    route: [{destination: {host: grpc.default.svc.cluster.local, port: {number: 50051}}}]
  - name: fault
    match: [{headers: {x-fault: {exact: "yes"}}}]
    fault: {abort: {grpcStatus: RESOURCE_EXHAUSTED, percentage: {value: 100}}}
    route: [{destination: {host: grpc.default.svc.cluster.local, port: {number: 50051}}}]
  - name: http1
    match: [{uri: {prefix: /h1/}}]
    route: [{destination: {host: app.default.svc.cluster.local, port: {number: 80}}}]
  - name: upgraded
    match: [{uri: {prefix: /upgraded/}}]
    route: [{destination: {host: upgraded.default.svc.cluster.local, port: {number: 8080}}}]
  - name: grpc
    route: [{destination: {host: grpc.default.svc.cluster.local, port: {number: 50051}}}]
)";

class GrpcProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    gw = std::make_unique<Gateway>(
        dir, seedGateway(port) +
                 staticServiceEntry("grpc", "grpc.default.svc.cluster.local", 50051,
                                    grpc.port(), "GRPC") +
                 staticServiceEntry("upgraded", "upgraded.default.svc.cluster.local", 8080,
                                    upgraded.port(), "HTTP") +
                 staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port()) +
                 kRoutes);
    ASSERT_TRUE(gw->ready()) << gw->log();
  }
  std::string url(const std::string& path) const {
    return "'http://127.0.0.1:" + std::to_string(port) + path + "'";
  }

  TempDir dir;
  H2Upstream grpc{"grpc"};
  H2Upstream upgraded{"upgraded"};
  Upstream app{"app"};
  uint16_t port = freePort();
  std::unique_ptr<Gateway> gw;
};

TEST_F(GrpcProxy, UnaryCallKeepsItsTrailers) {
  auto result = GrpcCall::unary(port, "/echo.Echo/Unary", "grpc.example", "hello");
  EXPECT_EQ(result.httpStatus, 200) << gw->log();
  EXPECT_EQ(result.messages, std::vector<std::string>{"hello"});
  EXPECT_FALSE(result.trailersOnly);
  EXPECT_EQ(result.trailers["grpc-status"], "0");
  EXPECT_EQ(result.trailers["grpc-message"], "OK");
  EXPECT_EQ(result.headers["x-upstream-name"], "grpc");
  EXPECT_EQ(result.headers["content-type"], "application/grpc");
}

TEST_F(GrpcProxy, BidirectionalStreamInterleavesBothDirections) {
  auto call = GrpcCall::start(port, "/echo.Echo/Bidi", "grpc.example");
  ASSERT_TRUE(call);
  // Each echo must come back before the next message is sent: the gateway may not wait for
  // the end of the request before it forwards the response, nor the reverse.
  for (int i = 0; i < 5; ++i) {
    const std::string message = "message " + std::to_string(i);
    ASSERT_TRUE(call->send(message));
    auto echoed = call->read(3s);
    ASSERT_TRUE(echoed.has_value()) << "no echo of " << message << "\n" << gw->log();
    EXPECT_EQ(*echoed, message);
  }
  call->closeSend();
  auto result = call->finish(3s);
  EXPECT_FALSE(result.timedOut);
  EXPECT_EQ(result.resetCode, 0u);
  EXPECT_EQ(result.messages.size(), 5u);
  EXPECT_EQ(result.trailers["grpc-status"], "0");
}

TEST_F(GrpcProxy, TrailersOnlyErrorPassesUnchanged) {
  auto result = GrpcCall::unary(port, "/echo.Echo/Fail", "grpc.example", "x");
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_TRUE(result.trailersOnly);
  EXPECT_EQ(result.grpcStatus(), "13");
  EXPECT_EQ(result.grpcMessage(), "boom");
}

TEST_F(GrpcProxy, RouteTimeoutIsDeadlineExceeded) {
  const auto started = std::chrono::steady_clock::now();
  auto result = GrpcCall::unary(port, "/echo.Echo/Slow", "grpc.example", "late",
                                {{"x-deadline", "short"}, {"x-delay-ms", "5000"}}, 4s);
  EXPECT_FALSE(result.timedOut) << "the call hung instead of ending at the route timeout";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_TRUE(result.trailersOnly);
  EXPECT_EQ(result.grpcStatus(), "4");
  EXPECT_EQ(result.grpcMessage(), "upstream request timeout");
  EXPECT_TRUE(gw->logContains(" UT ")) << gw->log();
}

TEST_F(GrpcProxy, DeadlinePassingMidStreamEndsTheCallWithStatus4) {
  auto call = GrpcCall::start(port, "/echo.Echo/Bidi", "grpc.example", {{"x-deadline", "short"}});
  ASSERT_TRUE(call);
  ASSERT_TRUE(call->send("first"));
  auto echoed = call->read(2s);
  ASSERT_TRUE(echoed.has_value());
  // The stream is open and quiet; the route's 0.6 s runs out.
  auto result = call->finish(3s);
  EXPECT_FALSE(result.timedOut);
  EXPECT_EQ(result.resetCode, 0u);
  EXPECT_EQ(result.trailers["grpc-status"], "4")
      << "reset " << result.resetCode << " connection error " << result.connectionError
      << " trailers-only " << result.trailersOnly << "\n" << gw->log();
  EXPECT_EQ(result.messages, std::vector<std::string>{"first"});
}

TEST_F(GrpcProxy, TrailersOnlyStatusIsRetriedWhenRetryOnNamesIt) {
  const uint64_t before = grpc.streams();
  auto result =
      GrpcCall::unary(port, "/echo.Echo/Fail", "grpc.example", "x", {{"x-retry", "yes"}});
  EXPECT_EQ(result.grpcStatus(), "13");
  EXPECT_EQ(grpc.streams() - before, 3u) << "one call and two retries";
  EXPECT_TRUE(gw->logContains(" URX ")) << gw->log();
}

TEST_F(GrpcProxy, FaultAbortWithGrpcStatusIsTrailersOnly) {
  const uint64_t before = grpc.streams();
  auto result =
      GrpcCall::unary(port, "/echo.Echo/Unary", "grpc.example", "x", {{"x-fault", "yes"}});
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_TRUE(result.trailersOnly);
  EXPECT_EQ(result.grpcStatus(), "8");
  EXPECT_EQ(result.grpcMessage(), "fault filter abort");
  EXPECT_EQ(grpc.streams(), before) << "an aborted call never reaches the upstream";
}

TEST_F(GrpcProxy, UpstreamResetIsUnavailable) {
  auto result = GrpcCall::unary(port, "/reset", "grpc.example", "x");
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_EQ(result.grpcStatus(), "14");
}

TEST_F(GrpcProxy, ConcurrentStreamsShareOneUpstreamConnection) {
  // One worker: every stream of the run is multiplexed on that worker's HTTP/2 connection.
  auto run = runCommand("timeout 30 h2load -n 400 -c 4 -m 10 " + url("/anything"), 40s);
  EXPECT_NE(run.output.find("400 succeeded"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("400 2xx"), std::string::npos) << run.output;
  EXPECT_EQ(grpc.connections(), 1u);
  EXPECT_GE(grpc.streams(), 400u);
}

TEST_F(GrpcProxy, Http1ClientReachesAnHttp2Upstream) {
  auto r = curl("--http1.1 -H 'Connection: keep-alive' -H 'x-test: 1' --data-binary 'ping=1' " +
                url("/translate?q=1"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.headers["x-upstream-protocol"], "h2");
  EXPECT_NE(r.body.find("POST /translate?q=1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(":authority: 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("x-test: 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("content-length: 6"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("connection:"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.rfind("ping=1"), r.body.size() - 6) << r.body;
}

TEST_F(GrpcProxy, ChunkedHttp1BodyReachesAnHttp2UpstreamWhole) {
  auto r = curl("--http1.1 -H 'Transfer-Encoding: chunked' --data-binary 'abcdef' " +
                url("/chunked"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.find("transfer-encoding"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.rfind("abcdef"), r.body.size() - 6) << r.body;
}

TEST_F(GrpcProxy, UpstreamTrailersReachAnHttp1ClientAfterTheLastChunk) {
  auto r = curl("--http1.1 --raw -H 'x-response-trailer: x-check: done' " + url("/trailers"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_NE(r.body.find("\r\n0\r\nx-check: done\r\n\r\n"), std::string::npos) << r.body;
}

TEST_F(GrpcProxy, UpstreamTrailersReachAnHttp2Client) {
  Http2Request request;
  request.path = "/trailers";
  request.authority = "grpc.example";
  request.headers = {{"x-response-trailer", "x-check: done"}};
  auto response = http2Fetch(port, request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.trailers["x-check"], "done");
}

TEST_F(GrpcProxy, LargeResponsesFlowToBothProtocols) {
  for (const char* protocol : {"--http1.1", "--http2-prior-knowledge"}) {
    auto r = runCommand(std::string("curl -s -o /dev/null -w '%{http_code} %{size_download}' ") +
                            protocol + " -H 'x-response-bytes: 5000000' " + url("/big"),
                        30s);
    EXPECT_EQ(r.output, "200 5000000") << protocol;
  }
}

TEST_F(GrpcProxy, LargeRequestBodyFromAnHttp2ClientReachesTheUpstream) {
  Http2Request request;
  request.method = "POST";
  request.path = "/upload";
  request.authority = "grpc.example";
  request.body = std::string(3 * 1024 * 1024, 'u');
  auto response = http2Fetch(port, request, 10s);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size() - response.body.rfind("\n\n") - 2, request.body.size());
}

TEST_F(GrpcProxy, H2UpgradePolicyUpgradeSpeaksHttp2ToAnHttpPort) {
  auto r = curl("--http1.1 " + url("/upgraded/x"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.headers["x-upstream-protocol"], "h2");
  EXPECT_EQ(r.headers["x-upstream-name"], "upgraded");
}

TEST_F(GrpcProxy, Http2ClientStillReachesAnHttp1Upstream) {
  auto r = curl("--http2-prior-knowledge " + url("/h1/x"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(echoedTarget(r.body), "/h1/x");
}

TEST_F(GrpcProxy, UpstreamStatsCountTheHttp2Connection) {
  ASSERT_EQ(GrpcCall::unary(port, "/echo.Echo/Unary", "grpc.example", "a").grpcStatus(), "0");
  ASSERT_EQ(GrpcCall::unary(port, "/echo.Echo/Unary", "grpc.example", "b").grpcStatus(), "0");
  auto stats = curl("http://127.0.0.1:" + std::to_string(gw->adminPort()) + "/stats");
  const std::string cluster = "outbound|50051||grpc.default.svc.cluster.local";
  EXPECT_NE(stats.body.find("envoy_cluster_upstream_cx_total{cluster_name=\"" + cluster +
                            "\"}: 1"),
            std::string::npos)
      << stats.body;
  EXPECT_NE(stats.body.find("envoy_cluster_upstream_rq_total{cluster_name=\"" + cluster +
                            "\"}: 2"),
            std::string::npos)
      << stats.body;
}

// gRPC over TLS: h2 negotiated by ALPN in front, HTTP/2 to the upstream behind.
TEST(GrpcOverTls, BidirectionalCallThroughATerminatingListener) {
  TempDir dir;
  TestPki pki(dir);
  H2Upstream grpc{"grpc"};
  const uint16_t port = freePort();
  const std::string config =
      tlsRouteConfig(port, pki.path(""), "grpc.default.svc.cluster.local", 50051) +
      staticServiceEntry("grpc", "grpc.default.svc.cluster.local", 50051, grpc.port(), "GRPC");
  Gateway gw(dir, config);
  ASSERT_TRUE(gw.ready()) << gw.log();
  Http2TlsOptions tls;
  tls.serverName = "a.example.com";
  tls.caFile = pki.path("ca.crt");
  auto connection = Http2ClientConnection::connectTls(port, tls);
  ASSERT_TRUE(connection) << gw.log();
  auto call = GrpcCall::start(std::move(connection), "/echo.Echo/Bidi", "a.example.com");
  ASSERT_TRUE(call);
  for (const char* message : {"one", "two", "three"}) {
    ASSERT_TRUE(call->send(message));
    auto echoed = call->read(3s);
    ASSERT_TRUE(echoed.has_value()) << gw.log();
    EXPECT_EQ(*echoed, message);
  }
  call->closeSend();
  auto result = call->finish(3s);
  EXPECT_EQ(result.trailers["grpc-status"], "0");
}

}  // namespace
}  // namespace portico::testing
