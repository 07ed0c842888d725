// /stats/prometheus and /stats after a known sequence of requests, on the real binary.
#include <gtest/gtest.h>

#include <thread>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/prometheus_text.h"

namespace portico::testing {
namespace {

// /app* goes to the running upstream, /down* to a port nobody listens on (no retries, so
// one try and a plain UF), /limited* to the upstream under a limit of one request a minute
// (the second gets 429 RL), anything else matches no route (404 NR).
std::string metricsConfig(uint16_t port, uint16_t appPort, uint16_t closedPort) {
  return seedGateway(port) +
         staticServiceEntry("app", "app.default.svc.cluster.local", 80, appPort) +
         staticServiceEntry("down", "down.default.svc.cluster.local", 80, closedPort) +
         "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\n"
         "spec:\n  hosts: [\"*\"]\n  gateways: [product-gateway]\n  http:\n"
         "  - match: [{uri: {prefix: /app}}]\n"
         "    route: [{destination: {host: app, port: {number: 80}}}]\n"
         "  - match: [{uri: {prefix: /down}}]\n"
         "    route: [{destination: {host: down, port: {number: 80}}}]\n"
         "    retries: {attempts: 0}\n"
         "  - match: [{uri: {prefix: /limited}}]\n"
         "    route: [{destination: {host: app, port: {number: 80}}}]\n"
         "---\n"
         "apiVersion: networking.istio.io/v1alpha3\nkind: RateLimitConfig\nmetadata: {name: rl}\n"
         "spec:\n  targetRefs: [{kind: VirtualService, name: vs}]\n  limits:\n"
         "  - name: one-per-minute\n    match: [{uri: {prefix: /limited}}]\n"
         "    requestsPerUnit: 1\n    unit: MINUTE\n";
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gw = std::make_unique<Gateway>(dir, metricsConfig(port, app.port(), freePort()),
                                   GatewayOptions{.extraArgs = {}, .concurrency = 2});
    ASSERT_TRUE(gw->ready()) << gw->log();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  std::string admin(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(gw->adminPort()) + path;
  }
  // The stream is recorded just after its response went out: wait until all are in.
  PromText scrapeWhenCounted(double requests, HttpResult* raw = nullptr) {
    PromText text;
    for (int i = 0; i < 100; ++i) {
      HttpResult r = curl(admin("/stats/prometheus"));
      text = parsePrometheusText(r.body);
      if (raw) *raw = r;
      if (text.sum("istio_requests_total") >= requests) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return text;
  }

  TempDir dir;
  Upstream app{"app"};
  uint16_t port = freePort();
  std::unique_ptr<Gateway> gw;
};

TEST_F(MetricsTest, KnownSequenceGivesExactIstioCountsAndValidText) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(curl(url("/app/" + std::to_string(i))).status, 200);
  HttpResult notFound = curl(url("/nothing"));
  ASSERT_EQ(notFound.status, 404);
  HttpResult unavailable = curl("-H 'x-request-id: rid-uf' " + url("/down"));
  ASSERT_EQ(unavailable.status, 503);
  ASSERT_EQ(curl(url("/limited/1")).status, 200);
  HttpResult limited = curl(url("/limited/2"));
  ASSERT_EQ(limited.status, 429) << limited.raw;
  // Local replies return the request id too.
  EXPECT_EQ(notFound.headers["x-request-id"].size(), 36u) << notFound.raw;
  EXPECT_EQ(unavailable.headers["x-request-id"], "rid-uf") << unavailable.raw;

  HttpResult raw;
  PromText text = scrapeWhenCounted(9, &raw);
  EXPECT_EQ(raw.status, 200);
  EXPECT_EQ(raw.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(text.errors.empty()) << ::testing::PrintToString(text.errors) << raw.body;

  EXPECT_EQ(text.types["istio_requests_total"], "counter");
  EXPECT_EQ(text.types["istio_request_duration_milliseconds"], "histogram");
  EXPECT_EQ(text.types["istio_request_bytes"], "histogram");
  EXPECT_EQ(text.types["istio_response_bytes"], "histogram");

  auto ok = text.select("istio_requests_total", {{"response_code", "200"}});
  ASSERT_EQ(ok.size(), 1u) << raw.body;
  EXPECT_EQ(ok[0].value, 6);
  EXPECT_EQ(ok[0].labels, (std::map<std::string, std::string>{
                              {"reporter", "source"},
                              {"destination_service", "app.default.svc.cluster.local"},
                              {"destination_service_name", "app"},
                              {"destination_service_namespace", "default"},
                              {"destination_version", "unknown"},
                              {"request_protocol", "http"},
                              {"response_code", "200"},
                              {"response_flags", "-"},
                              {"source_workload", "portico"}}));
  auto nr = text.select("istio_requests_total", {{"response_code", "404"}});
  ASSERT_EQ(nr.size(), 1u);
  EXPECT_EQ(nr[0].value, 1);
  EXPECT_EQ(nr[0].labels["response_flags"], "NR");
  EXPECT_EQ(nr[0].labels["destination_service"], "unknown");
  auto uf = text.select("istio_requests_total", {{"response_code", "503"}});
  ASSERT_EQ(uf.size(), 1u);
  EXPECT_EQ(uf[0].value, 1);
  EXPECT_EQ(uf[0].labels["response_flags"], "UF");
  EXPECT_EQ(uf[0].labels["destination_service"], "down.default.svc.cluster.local");
  auto rl = text.select("istio_requests_total", {{"response_code", "429"}});
  ASSERT_EQ(rl.size(), 1u) << raw.body;
  EXPECT_EQ(rl[0].value, 1);
  EXPECT_EQ(rl[0].labels["response_flags"], "RL");
  EXPECT_EQ(rl[0].labels["destination_service"], "app.default.svc.cluster.local");
  // Exactly these four series, summed over both workers.
  EXPECT_EQ(text.select("istio_requests_total").size(), 4u);
  EXPECT_EQ(text.sum("istio_requests_total"), 9);
  EXPECT_EQ(text.sum("istio_request_duration_milliseconds_count"), 9);
  EXPECT_EQ(text.sum("istio_response_bytes_count", {{"response_code", "200"}}), 6);
  EXPECT_EQ(text.sum("istio_request_duration_milliseconds_bucket",
                     {{"response_code", "200"}, {"le", "+Inf"}}),
            6);
  EXPECT_EQ(text.sum("portico_ratelimit_admitted_total", {{"limit", "default/rl/one-per-minute"}}), 1);
  EXPECT_EQ(text.sum("portico_ratelimit_limited_total", {{"limit", "default/rl/one-per-minute"}}), 1);

  // Gateway internals.
  EXPECT_EQ(text.sum("envoy_http_downstream_cx_total"), 9);
  EXPECT_EQ(text.sum("envoy_cluster_upstream_cx_connect_fail",
                     {{"cluster_name", "outbound|80||down.default.svc.cluster.local"}}),
            1);
  EXPECT_EQ(text.sum("envoy_cluster_upstream_rq_total",
                     {{"cluster_name", "outbound|80||app.default.svc.cluster.local"}}),
            6);
  double created = text.sum("envoy_cluster_upstream_cx_total",
                            {{"cluster_name", "outbound|80||app.default.svc.cluster.local"}});
  double reused = text.sum("portico_cluster_upstream_cx_reused_total",
                           {{"cluster_name", "outbound|80||app.default.svc.cluster.local"}});
  EXPECT_EQ(created + reused, 6);  // every try took a fresh or a pooled connection
  EXPECT_GE(created, 1);
  EXPECT_EQ(text.types["envoy_http_downstream_cx_active"], "gauge");
}

TEST_F(MetricsTest, PlainStatsPageShowsTheSameSeries) {
  ASSERT_EQ(curl(url("/nothing")).status, 404);
  scrapeWhenCounted(1);
  HttpResult r = curl(admin("/stats?filter=istio_requests_total"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "istio_requests_total{reporter=\"source\",destination_service=\"unknown\","
            "destination_service_name=\"unknown\",destination_service_namespace=\"unknown\","
            "destination_version=\"unknown\",request_protocol=\"http\",response_code=\"404\","
            "response_flags=\"NR\",source_workload=\"portico\"}: 1\n");
  HttpResult all = curl(admin("/stats"));
  EXPECT_NE(all.body.find("envoy_http_downstream_cx_total: 1\n"), std::string::npos) << all.body;
}

}  // namespace
}  // namespace portico::testing
