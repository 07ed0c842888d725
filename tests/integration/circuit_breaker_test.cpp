// DestinationRule circuit breakers on the real binary (one worker, so the per-worker limits
// are the gateway's): overflowed requests get Envoy's immediate 503 UO with
// x-envoy-overloaded, the overflow counters move, and the upstream never sees more than
// the limit allows.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/h2_upstream.h"
#include "support/prometheus_text.h"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCluster = "outbound|80||app.default.svc.cluster.local";
constexpr const char* kOverflowBody =
    "upstream connect error or disconnect/reset before headers. reset reason: overflow";

class CircuitBreakerTest : public ::testing::Test {
 protected:
  TempDir dir;
  Upstream app{"app"};
  uint16_t port = freePort();

  // `trafficPolicy` is the DestinationRule's connectionPool block (none when empty);
  // `routeExtra` goes under the single route.
  std::string config(const std::string& connectionPool, const std::string& routeExtra = "") {
    std::string yaml =
        seedGateway(port) +
        staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port()) +
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\n"
        "spec:\n  hosts: [\"*\"]\n  gateways: [product-gateway]\n"
        "  http:\n  - route: [{destination: {host: app, port: {number: 80}}}]\n" +
        routeExtra;
    if (!connectionPool.empty()) {
      yaml +=
          "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata: {name: app}\nspec:\n  host: app.default.svc.cluster.local\n"
          "  trafficPolicy:\n    connectionPool:\n" +
          connectionPool;
    }
    return yaml;
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  // `count` requests at once, each on its own client connection; the status codes.
  std::vector<int> parallel(const std::string& path, int count) {
    std::string cmd =
        "curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max " +
        std::to_string(count) + " -w '%{http_code}\\n'";
    for (int i = 0; i < count; ++i) cmd += " -o /dev/null '" + url(path) + "'";
    auto r = runCommand(cmd + " 2>/dev/null", 30s);
    std::vector<int> codes;
    std::istringstream in(r.output);
    for (int code; in >> code;) codes.push_back(code);
    return codes;
  }
  double stat(const Gateway& gw, const std::string& name) {
    HttpResult r = curl("http://127.0.0.1:" + std::to_string(gw.adminPort()) + "/stats/prometheus");
    return parsePrometheusText(r.body).sum(name, {{"cluster_name", kCluster}});
  }
};

int countOf(const std::vector<int>& codes, int code) {
  return static_cast<int>(std::count(codes.begin(), codes.end(), code));
}

TEST_F(CircuitBreakerTest, OneConnectionOnePendingOverflowsTheRestWith503UO) {
  Gateway gw(dir, config("      tcp: {maxConnections: 1}\n"
                         "      http: {http1MaxPendingRequests: 1}\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto codes = parallel("/delay/1500", 10);
  ASSERT_EQ(codes.size(), 10u);
  // The first request connects, the second waits for that connection, the others overflow.
  EXPECT_EQ(countOf(codes, 200), 2);
  EXPECT_EQ(countOf(codes, 503), 8);
  EXPECT_EQ(app.connections(), 1u);  // the waiting request reused the one connection
  EXPECT_TRUE(gw.logContains(" UO ")) << gw.log();
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_rq_pending_overflow"), 8);
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_cx_overflow"), 1);
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_rq_retry_overflow"), 0);
  HttpResult plain = curl("http://127.0.0.1:" + std::to_string(gw.adminPort()) + "/stats");
  EXPECT_NE(plain.body.find("upstream_rq_pending_overflow"), std::string::npos) << plain.body;
}

TEST_F(CircuitBreakerTest, IstioTaskRuleClosesEachConnectionAndServesThePendingRequestOnANewOne) {
  // istio.io's circuit-breaking task: maxConnections 1, 1 pending, 1 request per connection.
  Gateway gw(dir,
             config("      tcp: {maxConnections: 1}\n"
                    "      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto codes = parallel("/delay/1500", 10);
  EXPECT_EQ(countOf(codes, 200), 2);
  EXPECT_EQ(countOf(codes, 503), 8);
  EXPECT_EQ(app.connections(), 2u);  // one after the other, never two at once
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_rq_pending_overflow"), 8);
}

TEST_F(CircuitBreakerTest, MaxRequestsAnswersTheOverflowAt503UOWithXEnvoyOverloaded) {
  Gateway gw(dir, config("      http: {http2MaxRequests: 1}\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  HttpResult slow;
  std::thread client([&] { slow = curl(url("/delay/1500")); });
  std::this_thread::sleep_for(500ms);
  HttpResult over = curl(url("/x"));
  client.join();
  EXPECT_EQ(slow.status, 200) << slow.raw;
  EXPECT_EQ(over.status, 503) << over.raw;
  EXPECT_EQ(over.body, kOverflowBody);
  EXPECT_EQ(over.headers["x-envoy-overloaded"], "true") << over.raw;
  EXPECT_TRUE(gw.logContains(" UO ")) << gw.log();
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_rq_pending_overflow"), 1);
  EXPECT_EQ(app.requests(), 1u);           // the overflowed request never went upstream
  EXPECT_EQ(curl(url("/x")).status, 200);  // the slot came back
}

TEST_F(CircuitBreakerTest, MaxRequestsBindsHttp2UpstreamStreamsToo) {
  H2Upstream h2("h2app");
  std::string yaml =
      seedGateway(port) +
      staticServiceEntry("h2app", "h2app.default.svc.cluster.local", 80, h2.port(), "HTTP2") +
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\n"
      "spec:\n  hosts: [\"*\"]\n  gateways: [product-gateway]\n"
      "  http:\n  - route: [{destination: {host: h2app, port: {number: 80}}}]\n"
      "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
      "metadata: {name: h2app}\nspec:\n  host: h2app.default.svc.cluster.local\n"
      "  trafficPolicy:\n    connectionPool:\n      http: {http2MaxRequests: 1}\n";
  Gateway gw(dir, yaml);
  ASSERT_TRUE(gw.ready()) << gw.log();
  dir.write("empty.grpc", std::string(5, '\0'));  // one empty gRPC message
  HttpResult slow;
  std::thread client([&] {
    slow = curl(
        "--http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' "
        "-H 'x-delay-ms: 1500' --data-binary @" +
        (dir.path() / "empty.grpc").string() + " " + url("/echo.Echo/Slow"));
  });
  std::this_thread::sleep_for(500ms);
  HttpResult over = curl(url("/x"));
  client.join();
  EXPECT_EQ(slow.status, 200) << slow.raw;
  EXPECT_NE(slow.raw.find("grpc-status: 0"), std::string::npos) << slow.raw;  // trailer
  EXPECT_EQ(over.status, 503) << over.raw;
  EXPECT_EQ(over.body, kOverflowBody);
  EXPECT_EQ(over.headers["x-envoy-overloaded"], "true") << over.raw;
  HttpResult stats =
      curl("http://127.0.0.1:" + std::to_string(gw.adminPort()) + "/stats/prometheus");
  EXPECT_EQ(parsePrometheusText(stats.body)
                .sum("envoy_cluster_upstream_rq_pending_overflow",
                     {{"cluster_name", "outbound|80||h2app.default.svc.cluster.local"}}),
            1);
  EXPECT_EQ(curl(url("/x")).status, 200);
}

TEST_F(CircuitBreakerTest, RetryOverflowReturnsTheFailureThatWantedTheRetry) {
  // Request A keeps a retry in flight (per-try timeouts on a slow path); request B's 503
  // would be retried but maxRetries 1 is taken, so B gets the upstream's 503 as is.
  Gateway gw(dir, config("      http: {maxRetries: 1}\n",
                         "    retries: {attempts: 3, perTryTimeout: 400ms, retryOn: 5xx}\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  HttpResult slow;
  std::thread client([&] { slow = curl(url("/delay/3000")); });
  std::this_thread::sleep_for(700ms);  // A's first try timed out at 400ms: its retry runs
  HttpResult b = curl(url("/flaky/1/b"));
  client.join();
  EXPECT_EQ(b.status, 503) << b.raw;
  EXPECT_EQ(b.headers.count("x-envoy-overloaded"), 0u) << b.raw;
  EXPECT_EQ(b.headers["x-upstream-name"], "app") << b.raw;  // the upstream's own answer
  EXPECT_EQ(slow.status, 504) << slow.raw;
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_rq_retry_overflow"), 1);
  // With the retry slot free again, the same kind of failure is retried.
  EXPECT_EQ(curl(url("/flaky/1/c")).status, 200);
}

TEST_F(CircuitBreakerTest, WithoutADestinationRuleNothingOverflows) {
  Gateway gw(dir, config(""));
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto codes = parallel("/delay/800", 10);
  EXPECT_EQ(countOf(codes, 200), 10);
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_rq_pending_overflow"), 0);
  EXPECT_EQ(stat(gw, "envoy_cluster_upstream_cx_overflow"), 0);
}

}  // namespace
}  // namespace portico::testing
