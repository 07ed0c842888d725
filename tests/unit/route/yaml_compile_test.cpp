// Configs written as users write them, through the real loader: precedence across
// VirtualServices, the shadowed-route lints with their file:line:column, clusters from
// ServiceEntry + DestinationRule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "portico/config/config_set.h"
#include "portico/route/snapshot_compiler.h"
#include "route_test_util.h"

namespace portico::route {
namespace {

using namespace testing;
using ::testing::Contains;
using ::testing::ElementsAre;

class YamlCompileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("portico-route-yaml-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Compiled compileFile(const std::string& yaml) {
    std::string file = (dir_ / "config.yaml").string();
    std::ofstream(file) << yaml;
    auto set = config::loadConfig({file});
    EXPECT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
    Compiled c;
    c.snapshot = compileSnapshot(std::make_shared<const config::ConfigSet>(std::move(set)),
                                 CompileOptions{}, c.diagnostics);
    return c;
  }
  std::string file() const { return (dir_ / "config.yaml").string(); }

  std::filesystem::path dir_;
};

constexpr const char* kGateway = R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*.shop.com", "api.shop.com"]
)";

TEST_F(YamlCompileTest, PrecedenceAcrossVirtualServicesAndShadowLints) {
  Compiled c = compileFile(std::string(kGateway) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: first
spec:
  hosts: ["*.shop.com"]
  gateways: [gw]
  http:
  - name: cart
    match:
    - uri: {prefix: /cart}
    route:
    - destination: {host: cart, port: {number: 80}}
  - name: web
    route:
    - destination: {host: web, port: {number: 80}}
  - name: never
    match:
    - uri: {prefix: /never}
    route:
    - destination: {host: web, port: {number: 80}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: second
spec:
  hosts: ["api.shop.com"]
  gateways: [gw]
  http:
  - name: api
    match:
    - uri: {prefix: /v1}
    route:
    - destination: {host: api, port: {number: 80}}
  - name: api-v1-users
    match:
    - uri: {exact: /v1/users}
    route:
    - destination: {host: api, port: {number: 80}}
)");
  ASSERT_TRUE(c.snapshot);
  Request r = get("/v1/x", "api.shop.com:8080");
  r.port = 8080;
  EXPECT_EQ(c.routeFor(r), "api");
  r.path = "/cart/1";
  EXPECT_EQ(c.routeFor(r), "cart");  // first VS's routes come first
  r.path = "/other";
  EXPECT_EQ(c.routeFor(r), "web");  // first VS's catch-all, moved after "second"'s routes
  r.authority = "www.shop.com";
  r.path = "/never";
  EXPECT_EQ(c.routeFor(r), "web");
  std::vector<std::string> names;
  for (const auto& route : c.vhost(8080, "api.shop.com")->routes()) names.push_back(route->name);
  EXPECT_THAT(names, ElementsAre("cart", "api", "api-v1-users", "web"));

  EXPECT_THAT(
      c.warnings(),
      Contains(file() + ":28:5: warning: VirtualService default/first: spec.http[2]: "
                        "unreachable route: the catch-all spec.http[1] before it matches every "
                        "request; route dropped"));
  EXPECT_THAT(
      c.warnings(),
      Contains(file() + ":47:5: warning: VirtualService default/second: spec.http[1]: "
                        "unreachable route: spec.http[0].match[0] (uri prefix \"/v1\") comes "
                        "first and matches every request it matches"));
}

TEST_F(YamlCompileTest, ServiceEntryAndDestinationRuleMakeSubsetClusters) {
  Compiled c = compileFile(std::string(kGateway) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [api.shop.com]
  gateways: [gw]
  http:
  - route:
    - destination: {host: reviews.shop.internal, subset: v1, port: {number: 9080}}
      weight: 75
    - destination: {host: reviews.shop.internal, subset: v2, port: {number: 9080}}
      weight: 25
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: reviews
spec:
  hosts: [reviews.shop.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: http, protocol: HTTP2}
  endpoints:
  - {address: 127.0.0.1, ports: {http: 19080}, labels: {version: v1}}
  - {address: 127.0.0.2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews.shop.internal
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool:
      tcp: {connectTimeout: 250ms}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: RANDOM}
)");
  ASSERT_TRUE(c.snapshot);
  const auto* v1 = c.snapshot->cluster("outbound|9080|v1|reviews.shop.internal");
  const auto* v2 = c.snapshot->cluster("outbound|9080|v2|reviews.shop.internal");
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  ASSERT_EQ(v1->endpoints.size(), 1u);
  EXPECT_EQ(v1->endpoints[0].address, "127.0.0.1");
  EXPECT_EQ(v1->endpoints[0].port, 19080);
  ASSERT_EQ(v2->endpoints.size(), 1u);
  EXPECT_EQ(v2->endpoints[0].port, 9080);
  EXPECT_EQ(v1->protocol, upstream::ClusterConfig::Protocol::kHttp2);
  EXPECT_EQ(v1->lbPolicy, upstream::ClusterConfig::LbPolicy::kRoundRobin);
  EXPECT_EQ(v2->lbPolicy, upstream::ClusterConfig::LbPolicy::kRandom);
  EXPECT_EQ(v1->connectTimeout, std::chrono::milliseconds(250));
  EXPECT_EQ(v2->connectTimeout, std::chrono::milliseconds(250));  // connectionPool inherited
  Request r = get("/", "api.shop.com");
  r.port = 8080;
  const auto* vh = c.vhost(8080, r.authority);
  const auto& f = std::get<ForwardAction>(vh->match(r.input())->route->action);
  EXPECT_EQ(f.totalWeight, 100u);
  EXPECT_EQ(f.pick(74).clusterName, v1->name);
  EXPECT_EQ(f.pick(75).clusterName, v2->name);
}

}  // namespace
}  // namespace portico::route
