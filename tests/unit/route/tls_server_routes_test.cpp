// Route tables per TLS server: on a port shared by several terminating servers (told apart
// by SNI), each server's table holds only the VirtualServices bound to that server, while the
// listener's table stays the union (plain HTTP listeners keep using it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "portico/config/config_set.h"
#include "portico/route/snapshot_compiler.h"
#include "route_test_util.h"

namespace portico::route {
namespace {

using namespace testing;

constexpr const char* kConfig = R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw1}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-a, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, serverCertificate: /certs/a.crt, privateKey: /certs/a.key}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw2}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-w, protocol: HTTPS}
    hosts: ["*.example.com"]
    tls: {mode: SIMPLE, credentialName: w}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-a}
spec:
  hosts: [a.example.com]
  gateways: [gw1]
  http:
  - directResponse: {status: 200}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-w}
spec:
  hosts: ["*.example.com"]
  gateways: [gw2]
  http:
  - directResponse: {status: 200}
)";

class TlsServerRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("portico-tls-routes-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::string file = (dir_ / "config.yaml").string();
    std::ofstream(file) << kConfig;
    auto set = config::loadConfig({file});
    ASSERT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
    compiled_.snapshot = compileSnapshot(std::make_shared<const config::ConfigSet>(std::move(set)),
                                         CompileOptions{}, compiled_.diagnostics);
    ASSERT_NE(compiled_.snapshot, nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string vsOf(const VirtualHost* vhost) {
    if (vhost == nullptr || vhost->routes().empty()) return "none";
    return vhost->routes().front()->virtualService;
  }

  std::filesystem::path dir_;
  Compiled compiled_;
};

TEST_F(TlsServerRoutesTest, EachTerminatingServerRoutesOnlyToItsOwnVirtualServices) {
  const Listener* https = compiled_.snapshot->listener(443);
  ASSERT_NE(https, nullptr);
  ASSERT_EQ(https->servers.size(), 2u);
  const ServerBinding& a = https->servers[0];
  const ServerBinding& w = https->servers[1];
  ASSERT_NE(a.virtualHosts, nullptr);
  ASSERT_NE(w.virtualHosts, nullptr);
  ASSERT_EQ(a.portName, "https-a");
  ASSERT_EQ(w.portName, "https-w");

  // The SNI a.example.com server: gw1's vs-a only.
  EXPECT_EQ(vsOf(a.virtualHosts->find("a.example.com")), "default/vs-a");
  EXPECT_EQ(a.virtualHosts->find("c.example.com"), nullptr);
  // The *.example.com server: gw2's vs-w, also for a.example.com (hosts overlap).
  EXPECT_EQ(vsOf(w.virtualHosts->find("a.example.com")), "default/vs-w");
  EXPECT_EQ(vsOf(w.virtualHosts->find("c.example.com")), "default/vs-w");
  // The listener's union table, as before: the exact domain wins.
  EXPECT_EQ(vsOf(https->virtualHosts.find("a.example.com")), "default/vs-a");
  EXPECT_EQ(vsOf(https->virtualHosts.find("c.example.com")), "default/vs-w");
}

TEST_F(TlsServerRoutesTest, PlainServersHaveNoTableOfTheirOwn) {
  const Listener* http = compiled_.snapshot->listener(80);
  ASSERT_NE(http, nullptr);
  ASSERT_EQ(http->servers.size(), 1u);
  EXPECT_EQ(http->servers[0].virtualHosts, nullptr);
  const VirtualHost* redirect = http->virtualHosts.find("a.example.com");
  ASSERT_NE(redirect, nullptr);
  EXPECT_TRUE(redirect->requireTls());
}

TEST(TlsPassthroughRoutesTest, TlsRoutesOfBoundVirtualServicesInIstioOrder) {
  auto dir =
      std::filesystem::temp_directory_path() / ("portico-tls-pt-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string file = (dir / "config.yaml").string();
  std::ofstream(file) << R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8443, name: tls, protocol: TLS}
    hosts: ["*.example.com"]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: pt}
spec:
  hosts: ["*.example.com", elsewhere.org]
  gateways: [gw]
  tls:
  - match: [{port: 8443, sniHosts: [a.example.com, elsewhere.org]}]
    route:
    - {destination: {host: a, port: {number: 443}}, weight: 75}
    - {destination: {host: b, port: {number: 443}}, weight: 25}
  - match: [{port: 9999, sniHosts: [b.example.com]}]
    route: [{destination: {host: b, port: {number: 443}}}]
  - match: [{sniHosts: ["*.example.com"]}]
    route: [{destination: {host: c, port: {number: 443}}}]
)";
  auto set = config::loadConfig({file});
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
  config::Diagnostics diagnostics;
  auto snapshot = compileSnapshot(std::make_shared<const config::ConfigSet>(std::move(set)),
                                  CompileOptions{}, diagnostics);
  ASSERT_NE(snapshot, nullptr);
  const Listener* listener = snapshot->listener(8443);
  ASSERT_NE(listener, nullptr);
  ASSERT_EQ(listener->sniRoutes.size(), 2u);
  const SniRoute& first = listener->sniRoutes[0];
  // elsewhere.org is not a host of the server: dropped. Port 9999's match: not this port.
  EXPECT_EQ(first.sniHosts, std::vector<std::string>{"a.example.com"});
  ASSERT_EQ(first.destinations.size(), 2u);
  EXPECT_EQ(first.destinations[0].clusterName, "outbound|443||a.default.svc.cluster.local");
  EXPECT_EQ(first.destinations[0].weight, 75u);
  EXPECT_EQ(first.totalWeight, 100u);
  EXPECT_EQ(first.virtualService, "default/pt");
  const SniRoute& last = listener->sniRoutes[1];
  EXPECT_EQ(last.sniHosts, std::vector<std::string>{"*.example.com"});
  EXPECT_EQ(last.path, "spec.tls[2]");
  EXPECT_TRUE(listener->virtualHosts.virtualHosts().empty());
}

}  // namespace
}  // namespace portico::route
