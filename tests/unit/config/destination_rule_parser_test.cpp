#include "portico/config/resource_parsers.h"
#include "spec_test_support.h"

namespace portico::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::SpecFixture;

struct DestinationRuleTest : ::testing::Test {
  SpecFixture<DestinationRule> f;
  DestinationRule parse(const std::string& yaml) {
    return f.parse(yaml, parseDestinationRuleSpec, "DestinationRule", "dr");
  }
  DestinationRule parsePolicy(const std::string& policy) {
    return parse("host: reviews\ntrafficPolicy:\n" + policy);
  }
};

TEST_F(DestinationRuleTest, ParsesTheModel) {
  auto dr = parse(R"(
host: reviews.prod.svc.cluster.local
trafficPolicy:
  loadBalancer:
    consistentHash:
      httpCookie: {name: user, ttl: 0s, path: /}
      ringHash: {minimumRingSize: 2048}
  connectionPool:
    tcp: {maxConnections: 100, connectTimeout: 30ms, idleTimeout: 0s}
    http: {http1MaxPendingRequests: 1, http2MaxRequests: 10, maxRequestsPerConnection: 1,
           maxRetries: 3, idleTimeout: 5s, h2UpgradePolicy: UPGRADE, maxConcurrentStreams: 7}
  outlierDetection:
    consecutive5xxErrors: 7
    consecutiveGatewayErrors: 3
    interval: 5m
    baseEjectionTime: 15m
    maxEjectionPercent: 50
  tls:
    mode: MUTUAL
    clientCertificate: /c.pem
    privateKey: /k.pem
    caCertificates: /ca.pem
    sni: reviews.example.com
    subjectAltNames: [reviews.example.com]
  portLevelSettings:
  - port: {number: 9080}
    loadBalancer: {simple: ROUND_ROBIN}
subsets:
- name: v1
  labels: {version: v1}
- name: v2
  labels: {version: v2}
  trafficPolicy:
    loadBalancer: {simple: RANDOM}
)");
  EXPECT_THAT(f.all(), IsEmpty());
  EXPECT_EQ(dr.host, "reviews.prod.svc.cluster.local");
  ASSERT_TRUE(dr.trafficPolicy);
  const auto& tp = *dr.trafficPolicy;
  ASSERT_TRUE(tp.loadBalancer && tp.loadBalancer->consistentHash);
  EXPECT_EQ(tp.loadBalancer->consistentHash->httpCookieName, "user");
  EXPECT_EQ(tp.loadBalancer->consistentHash->httpCookieTtl, Duration{0});
  EXPECT_EQ(tp.loadBalancer->consistentHash->minimumRingSize, 2048u);
  ASSERT_TRUE(tp.connectionPool);
  EXPECT_EQ(tp.connectionPool->maxConnections, 100u);
  EXPECT_EQ(tp.connectionPool->connectTimeout, Duration{30});
  EXPECT_EQ(tp.connectionPool->tcpIdleTimeout, Duration{0});
  EXPECT_EQ(tp.connectionPool->http1MaxPendingRequests, 1u);
  EXPECT_EQ(tp.connectionPool->http2MaxRequests, 10u);
  EXPECT_EQ(tp.connectionPool->maxRequestsPerConnection, 1u);
  EXPECT_EQ(tp.connectionPool->maxRetries, 3u);
  EXPECT_EQ(tp.connectionPool->maxConcurrentStreams, 7u);
  EXPECT_EQ(tp.connectionPool->httpIdleTimeout, Duration{5000});
  EXPECT_EQ(tp.connectionPool->h2UpgradePolicy, ConnectionPoolSettings::H2UpgradePolicy::kUpgrade);
  ASSERT_TRUE(tp.outlierDetection);
  EXPECT_EQ(tp.outlierDetection->consecutive5xxErrors, 7u);
  EXPECT_EQ(tp.outlierDetection->consecutiveGatewayErrors, 3u);
  EXPECT_EQ(tp.outlierDetection->interval, Duration{300000});
  EXPECT_EQ(tp.outlierDetection->baseEjectionTime, Duration{900000});
  EXPECT_EQ(tp.outlierDetection->maxEjectionPercent, 50);
  ASSERT_TRUE(tp.tls);
  EXPECT_EQ(tp.tls->mode, ClientTlsSettings::Mode::kMutual);
  EXPECT_EQ(tp.tls->sni, "reviews.example.com");
  ASSERT_EQ(tp.portLevelSettings.size(), 1u);
  EXPECT_EQ(tp.portLevelSettings[0].port, 9080u);
  EXPECT_EQ(tp.portLevelSettings[0].loadBalancer->simple,
            LoadBalancerSettings::Simple::kRoundRobin);
  ASSERT_EQ(dr.subsets.size(), 2u);
  EXPECT_EQ(dr.subsets[1].labels.at("version"), "v2");
  EXPECT_EQ(dr.subsets[1].trafficPolicy->loadBalancer->simple,
            LoadBalancerSettings::Simple::kRandom);
}

TEST_F(DestinationRuleTest, HostRequiredAndValidated) {
  parse("subsets: []\n");
  parse("host: \"a..b\"\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.host: Required value",
                          "spec.host: domain name \"a..b\" invalid (label \"\" invalid)"));
}

TEST_F(DestinationRuleTest, EmptyTrafficPolicy) {
  parse("host: reviews\ntrafficPolicy: {}\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.trafficPolicy: traffic policy must have at least one field"));
}

TEST_F(DestinationRuleTest, PortLevelSettingsNeedPortAndAField) {
  parsePolicy("  portLevelSettings:\n  - port: {number: 80}\n  - loadBalancer: {simple: RANDOM}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.trafficPolicy.portLevelSettings[0]: port traffic policy must have at "
                  "least one field",
                  "spec.trafficPolicy.portLevelSettings[1]: port: Required value"));
}

TEST_F(DestinationRuleTest, SubsetNamesUniqueAndDns1123) {
  parse("host: reviews\nsubsets:\n- name: v1\n- name: v1\n- name: v_2\n- labels: {a: b}\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec.subsets[1].name: duplicate subset names: v1",
                                      "spec.subsets[2].name: subset name is invalid: v_2",
                                      "spec.subsets[3]: subset name: Required value"));
}

TEST_F(DestinationRuleTest, LoadBalancerOneOf) {
  parsePolicy(
      "  loadBalancer:\n    simple: ROUND_ROBIN\n    consistentHash: {useSourceIp: true}\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec.trafficPolicy.loadBalancer: only one of simple or "
                                      "consistentHash may be set"));
}

TEST_F(DestinationRuleTest, UnknownSimplePolicy) {
  parsePolicy("  loadBalancer: {simple: FASTEST}\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.trafficPolicy.loadBalancer.simple: unsupported load "
                          "balancer \"FASTEST\" (UNSPECIFIED, LEAST_REQUEST, LEAST_CONN, "
                          "RANDOM, ROUND_ROBIN, PASSTHROUGH)"));
}

TEST_F(DestinationRuleTest, HttpCookieNeedsName) {
  parsePolicy("  loadBalancer:\n    consistentHash:\n      httpCookie: {ttl: 10s}\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.trafficPolicy.loadBalancer.consistentHash.httpCookie: name "
                          "required for HttpCookie"));
}

TEST_F(DestinationRuleTest, MaglevTableSize) {
  parsePolicy(
      "  loadBalancer:\n    consistentHash:\n      useSourceIp: true\n      maglev: {tableSize: "
      "1000}\n");
  parsePolicy(
      "  loadBalancer:\n    consistentHash:\n      useSourceIp: true\n      maglev: {tableSize: "
      "5000011}\n");
  auto dr = parsePolicy(
      "  loadBalancer:\n    consistentHash:\n      useSourceIp: true\n      maglev: {tableSize: "
      "65537}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: tableSize "
                  "must be a prime number for maglev",
                  "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: tableSize "
                  "must be less than 5000011 for maglev"));
  EXPECT_EQ(dr.trafficPolicy->loadBalancer->consistentHash->maglevTableSize, 65537u);
}

TEST_F(DestinationRuleTest, DeprecatedMinimumRingSizeWarns) {
  parsePolicy(
      "  loadBalancer:\n    consistentHash: {httpHeaderName: x-user, minimumRingSize: 1024}\n");
  EXPECT_THAT(f.all(), ElementsAre("warning: spec.trafficPolicy.loadBalancer.consistentHash."
                                   "minimumRingSize: deprecated; use ringHash.minimumRingSize"));
}

TEST_F(DestinationRuleTest, LocalityLbSettingNotImplemented) {
  parsePolicy("  loadBalancer:\n    localityLbSetting: {enabled: true}\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.trafficPolicy.loadBalancer.localityLbSetting: not "
                          "implemented, ignored"));
}

TEST_F(DestinationRuleTest, WarmupRules) {
  parsePolicy("  loadBalancer:\n    warmup: {duration: 300s, minimumPercent: 150.0}\n");
  parsePolicy("  loadBalancer:\n    warmup: {minimumPercent: 5.0}\n");
  parsePolicy("  loadBalancer:\n    warmup: {duration: 300s, aggression: -0.1}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.trafficPolicy.loadBalancer.warmup.minimumPercent: Invalid value: 150: "
                  "must be between 0 and 100",
                  "spec.trafficPolicy.loadBalancer.warmup.duration: Required value",
                  "spec.trafficPolicy.loadBalancer.warmup.aggression: Invalid value: -0.1: "
                  "must be greater than or equal to 0"));
}

TEST_F(DestinationRuleTest, ConnectionPoolRules) {
  parsePolicy("  connectionPool: {}\n");
  parsePolicy(
      "  connectionPool:\n    tcp: {maxConnections: -1}\n    http: {http1MaxPendingRequests: -1, "
      "http2MaxRequests: -2, maxRequestsPerConnection: -3, maxRetries: -4}\n");
  parsePolicy("  connectionPool:\n    http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre(
          "spec.trafficPolicy.connectionPool: connection pool must have at least one field",
          "spec.trafficPolicy.connectionPool.tcp.maxConnections: max connections must be "
          "non-negative",
          "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests: http1 max pending "
          "requests must be non-negative",
          "spec.trafficPolicy.connectionPool.http.http2MaxRequests: http2 max requests must be "
          "non-negative",
          "spec.trafficPolicy.connectionPool.http.maxRequestsPerConnection: max requests per "
          "connection must be non-negative",
          "spec.trafficPolicy.connectionPool.http.maxRetries: max retries must be non-negative",
          "spec.trafficPolicy.connectionPool.http.useClientProtocol: use client protocol must not "
          "be true when H2UpgradePolicy is UPGRADE"));
}

TEST_F(DestinationRuleTest, DeprecatedConsecutiveErrorsCountsAs5xx) {
  auto dr = parsePolicy("  outlierDetection: {consecutiveErrors: 2}\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.trafficPolicy.outlierDetection.consecutiveErrors: "
                          "deprecated; use consecutive5xxErrors (treated as such)"));
  EXPECT_EQ(dr.trafficPolicy->outlierDetection->consecutive5xxErrors, 2u);
}

TEST_F(DestinationRuleTest, OutlierDetectionRules) {
  parsePolicy(
      "  outlierDetection: {maxEjectionPercent: 101, minHealthPercent: -1, "
      "consecutiveLocalOriginFailures: 3}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures: outlier "
                  "detection consecutive local origin failures is specified, but split external "
                  "local origin errors is set to false",
                  "spec.trafficPolicy.outlierDetection.maxEjectionPercent: percentage 101 is not "
                  "in range 0..100",
                  "spec.trafficPolicy.outlierDetection.minHealthPercent: percentage -1 is not in "
                  "range 0..100"));
}

TEST_F(DestinationRuleTest, OutlierDetectionDefaults) {
  auto dr = parsePolicy("  outlierDetection: {interval: 1s}\n");
  const auto& od = *dr.trafficPolicy->outlierDetection;
  EXPECT_EQ(od.consecutive5xxErrors, 5u);
  EXPECT_EQ(od.baseEjectionTime, Duration{30000});
  EXPECT_EQ(od.maxEjectionPercent, 10);
  EXPECT_EQ(od.interval, Duration{1000});
}

TEST_F(DestinationRuleTest, MutualTlsNeedsCertificateAndKey) {
  parsePolicy("  tls: {mode: MUTUAL}\n");
  parsePolicy("  tls: {mode: MUTUAL, credentialName: client-credential}\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.trafficPolicy.tls: client certificate required for mutual tls",
                          "spec.trafficPolicy.tls: private key required for mutual tls"));
}

TEST_F(DestinationRuleTest, IstioMutualWarns) {
  parsePolicy("  tls: {mode: ISTIO_MUTUAL}\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.trafficPolicy.tls.mode: ISTIO_MUTUAL is mesh-only "
                          "(Istio-issued certificates); not supported by a standalone gateway"));
}

TEST_F(DestinationRuleTest, MeshOnlyFieldsWarn) {
  parse("host: reviews\nexportTo: [\".\"]\nworkloadSelector: {matchLabels: {app: x}}\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.exportTo: mesh-only (namespace visibility), ignored",
                          "warning: spec.workloadSelector: mesh-only (selects sidecars), ignored"));
}

}  // namespace
}  // namespace portico::config
