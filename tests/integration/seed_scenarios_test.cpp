// The seed's walk-through end to end: the real binary, the seed's YAML as written (plus a
// ServiceEntry saying where product-service lives), real upstreams and curl.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

constexpr const char* kSeedPrefixRoute = R"(apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: product-virtualservice
spec:
  hosts:
  - "*" # Matches the host in the Gateway
  gateways:
  - product-gateway # Links to the Gateway resource
  http:
  - match:
    - uri:
        prefix: /products
    route:
    - destination:
        host: product-service.default.svc.cluster.local # The Kubernetes service name
        port:
          number: 8080 # The port your product-service listens on
---
)";

constexpr const char* kSeedRewriteRoute = R"(apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: product-virtualservice
spec:
  hosts:
  - "*"
  gateways:
  - product-gateway
  http:
  - match:
    - uri:
        prefix: /products
    rewrite:
      uri: / # Rewrites the URI before sending to the service
    route:
    - destination:
        host: product-service.default.svc.cluster.local
        port:
          number: 8080
    headers:
      request:
        add:
          X-Forwarded-Proto: "https" # Adds a header
---
)";

constexpr const char* kSeedSplit = R"(apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: product-virtualservice
spec:
  hosts:
  - "*"
  gateways:
  - product-gateway
  http:
  - match:
    - uri:
        prefix: /products
    route:
    - destination:
        host: product-service.default.svc.cluster.local
        port:
          number: 8080
      weight: 90 # 90% of traffic
    - destination:
        host: product-service-v2.default.svc.cluster.local # A new version
        port:
          number: 8080
      weight: 10 # 10% of traffic
---
)";

class SeedScenarios : public ::testing::Test {
 protected:
  TempDir dir;
  Upstream v1{"product-service"};
  Upstream v2{"product-service-v2"};
  uint16_t port = freePort();

  std::string base(const std::string& vs) {
    return seedGateway(port) +
           staticServiceEntry("product-service", "product-service.default.svc.cluster.local", 8080,
                              v1.port()) +
           staticServiceEntry("product-service-v2", "product-service-v2.default.svc.cluster.local",
                              8080, v2.port()) +
           vs;
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
};

TEST_F(SeedScenarios, PrefixRouteReachesProductService) {
  Gateway gw(dir, base(kSeedPrefixRoute));
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto r = curl(url("/products/42?color=red"));
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.headers["x-upstream-name"], "product-service");
  EXPECT_EQ(echoedTarget(r.body), "/products/42?color=red");
  EXPECT_FALSE(echoedHeader(r.body, "x-request-id").empty());
  EXPECT_EQ(echoedHeader(r.body, "x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(echoedHeader(r.body, "x-forwarded-proto"), "http");

  auto missing = curl(url("/orders"));
  EXPECT_EQ(missing.status, 404) << missing.raw;
}

TEST_F(SeedScenarios, RewriteToRootAndAddedHeaderAsSeenByUpstream) {
  Gateway gw(dir, base(kSeedRewriteRoute));
  ASSERT_TRUE(gw.ready()) << gw.log();
  // prefix /products replaced by "/": exactly Envoy's prefix_rewrite.
  auto r = curl(url("/products"));
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(echoedTarget(r.body), "/");
  // `add` appends, as Envoy's APPEND_IF_EXISTS_OR_ADD does: the gateway's own value first,
  // then the route's (docs/dataplane.md); `set` would replace it.
  EXPECT_EQ(echoedHeaderValues(r.body, "x-forwarded-proto"),
            (std::vector<std::string>{"http", "https"}));
  EXPECT_EQ(echoedHeader(r.body, "x-envoy-original-path"), "/products");

  auto nested = curl(url("/products/42"));
  EXPECT_EQ(echoedTarget(nested.body), "//42");  // documented compatibility behaviour
}

TEST_F(SeedScenarios, NinetyTenSplitOver2000Requests) {
  Gateway gw(dir, base(kSeedSplit));
  ASSERT_TRUE(gw.ready()) << gw.log();
  dir.write("urls.txt", repeatedUrls(url("/products/1"), 2000));
  auto r = runCommand("curl -s -K " + (dir.path() / "urls.txt").string() +
                          " -w '%{http_code} %header{x-upstream-name}\\n'",
                      std::chrono::seconds(120));
  int ok = 0, toV2 = 0;
  std::size_t pos = 0;
  while (pos < r.output.size()) {
    auto end = r.output.find('\n', pos);
    std::string line = r.output.substr(pos, end - pos);
    pos = end == std::string::npos ? r.output.size() : end + 1;
    if (line.starts_with("200 ")) ++ok;
    if (line == "200 product-service-v2") ++toV2;
  }
  EXPECT_EQ(ok, 2000);
  // Binomial(2000, 0.1): mean 200, sd 13.4; ±60 is ±4.5 sd (false failure odds < 1e-5).
  EXPECT_NEAR(toV2, 200, 60);
}

}  // namespace
}  // namespace portico::testing
