// DestinationRule outlierDetection on the real binary: a host answering 503 (or refusing
// connections) is ejected after consecutive errors, gets no traffic for the ejection time,
// shows as failed_outlier_check on /clusters, and comes back afterwards.
#include <gtest/gtest.h>

#include <thread>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/h2_upstream.h"

namespace portico::testing {
namespace {

class OutlierDetection : public ::testing::Test {
 protected:
  TempDir dir;
  Upstream bad{"bad", {"--status", "503"}};
  Upstream good{"good"};
  uint16_t port = freePort();

  // One STATIC ServiceEntry with two endpoints (the first one is `firstPort`), round robin,
  // no retries: every request is one try the test can count.
  std::string config(uint16_t firstPort, const std::string& outlierDetection) {
    return config(firstPort, good.port(), "HTTP", outlierDetection);
  }
  std::string config(uint16_t firstPort, uint16_t secondPort, const std::string& protocol,
                     const std::string& outlierDetection) {
    return seedGateway(port) +
           "apiVersion: networking.istio.io/v1\n"
           "kind: ServiceEntry\n"
           "metadata: {name: app}\n"
           "spec:\n"
           "  hosts: [app.default.svc.cluster.local]\n"
           "  ports: [{number: 80, name: http, protocol: " + protocol + "}]\n"
           "  resolution: STATIC\n"
           "  endpoints:\n"
           "  - {address: 127.0.0.1, ports: {http: " + std::to_string(firstPort) + "}}\n"
           "  - {address: 127.0.0.1, ports: {http: " + std::to_string(secondPort) + "}}\n"
           "---\n"
           "apiVersion: networking.istio.io/v1\n"
           "kind: DestinationRule\n"
           "metadata: {name: app}\n"
           "spec:\n"
           "  host: app.default.svc.cluster.local\n"
           "  trafficPolicy:\n"
           "    loadBalancer: {simple: ROUND_ROBIN}\n" +
           outlierDetection +
           "---\n"
           "apiVersion: networking.istio.io/v1\n"
           "kind: VirtualService\n"
           "metadata: {name: vs}\n"
           "spec:\n"
           "  hosts: [\"*\"]\n"
           "  gateways: [product-gateway]\n"
           "  http:\n"
           "  - route: [{destination: {host: app.default.svc.cluster.local, port: {number: 80}}}]\n"
           "    retries: {attempts: 0}\n";
  }
  static constexpr const char* kEjectAfterThree =
      "    outlierDetection:\n"
      "      consecutive5xxErrors: 3\n"
      "      interval: 1s\n"
      "      baseEjectionTime: 2s\n"
      "      maxEjectionPercent: 100\n";

  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  std::string admin(const Gateway& gw, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(gw.adminPort()) + path;
  }
  std::vector<int> send(int n) {
    std::vector<int> codes;
    for (int i = 0; i < n; ++i) codes.push_back(curl(url("/x")).status);
    return codes;
  }
  std::string healthLine(uint16_t hostPort) {
    return "outbound|80||app.default.svc.cluster.local::127.0.0.1:" + std::to_string(hostPort) +
           "::health_flags::";
  }
};

TEST_F(OutlierDetection, ConsecutiveFiveHundredsEjectTheHostForTheEjectionTime) {
  Gateway gw(dir, config(bad.port(), kEjectAfterThree));
  ASSERT_TRUE(gw.ready()) << gw.log();
  // Round robin: tries 1, 3, 5 go to the bad host; its third 503 ejects it, between the
  // moments `before` and `after`.
  auto codes = send(4);
  auto before = std::chrono::steady_clock::now();
  codes.push_back(curl(url("/x")).status);
  auto after = std::chrono::steady_clock::now();
  for (int code : send(5)) codes.push_back(code);
  EXPECT_EQ(codes, (std::vector<int>{503, 200, 503, 200, 503, 200, 200, 200, 200, 200}));
  EXPECT_EQ(bad.requests(), 3u);
  EXPECT_EQ(good.requests(), 7u);

  HttpResult clusters = curl(admin(gw, "/clusters"));
  EXPECT_NE(clusters.body.find(healthLine(bad.port()) + "/failed_outlier_check\n"),
            std::string::npos)
      << clusters.body;
  EXPECT_NE(clusters.body.find(healthLine(good.port()) + "healthy\n"), std::string::npos)
      << clusters.body;
  HttpResult stats = curl(admin(gw, "/stats?filter=outlier"));
  EXPECT_EQ(stats.body,
            "envoy_cluster_outlier_detection_ejections_active{cluster_name=\"outbound|80||app."
            "default.svc.cluster.local\"}: 1\n"
            "envoy_cluster_outlier_detection_ejections_enforced_total{cluster_name=\"outbound|80||"
            "app.default.svc.cluster.local\"}: 1\n");
  ASSERT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(1900))
      << "too slow to observe the 2s ejection";

  // Past baseEjectionTime (2s x 1st ejection) the host is back.
  std::this_thread::sleep_until(after + std::chrono::milliseconds(2100));
  clusters = curl(admin(gw, "/clusters"));
  EXPECT_NE(clusters.body.find(healthLine(bad.port()) + "healthy\n"), std::string::npos)
      << clusters.body;
  send(4);
  EXPECT_EQ(bad.requests(), 5u);
  EXPECT_EQ(good.requests(), 9u);
}

TEST_F(OutlierDetection, ConnectFailuresCountAsFiveHundreds) {
  uint16_t closedPort = freePort();  // nothing listens: every connect fails
  Gateway gw(dir, config(closedPort,
                         "    outlierDetection:\n"
                         "      consecutive5xxErrors: 2\n"
                         "      baseEjectionTime: 30s\n"
                         "      maxEjectionPercent: 50\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  EXPECT_EQ(send(8), (std::vector<int>{503, 200, 503, 200, 200, 200, 200, 200}));
  EXPECT_EQ(good.requests(), 6u);
}

TEST_F(OutlierDetection, ResetStreamsOfAnHttp2UpstreamEject) {
  H2Upstream first{"first"};
  H2Upstream second{"second"};
  Gateway gw(dir, config(first.port(), second.port(), "HTTP2",
                         "    outlierDetection:\n"
                         "      consecutive5xxErrors: 2\n"
                         "      baseEjectionTime: 30s\n"
                         "      maxEjectionPercent: 50\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  // RST_STREAM before a head is a reset: 503 for counting. first, second, first: ejected.
  // second's second reset would leave no host within 50%: not ejected.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(curl(url("/reset")).status, 502);
  EXPECT_EQ(first.streams(), 2u);
  EXPECT_EQ(second.streams(), 2u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(curl(url("/echo")).status, 200);
  EXPECT_EQ(first.streams(), 2u);
  EXPECT_EQ(second.streams(), 6u);
  HttpResult clusters = curl(admin(gw, "/clusters"));
  EXPECT_NE(clusters.body.find(healthLine(first.port()) + "/failed_outlier_check\n"),
            std::string::npos)
      << clusters.body;
}

TEST_F(OutlierDetection, WithoutOutlierDetectionNothingIsEjected) {
  Gateway gw(dir, config(bad.port(), ""));
  ASSERT_TRUE(gw.ready()) << gw.log();
  send(10);
  EXPECT_EQ(bad.requests(), 5u);
  EXPECT_EQ(good.requests(), 5u);
  HttpResult clusters = curl(admin(gw, "/clusters"));
  EXPECT_NE(clusters.body.find(healthLine(bad.port()) + "healthy\n"), std::string::npos)
      << clusters.body;
}

TEST_F(OutlierDetection, DefaultMaxEjectionPercentEjectsNoneOfTwoHosts) {
  // Envoy ejects only while (ejected + 1) / hosts <= maxEjectionPercent (default 10%).
  Gateway gw(dir, config(bad.port(),
                         "    outlierDetection:\n"
                         "      consecutive5xxErrors: 1\n"));
  ASSERT_TRUE(gw.ready()) << gw.log();
  send(6);
  EXPECT_EQ(bad.requests(), 3u);
}

}  // namespace
}  // namespace portico::testing
