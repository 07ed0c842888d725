#include "portico/route/snapshot_compiler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "portico/route/cluster_builder.h"
#include "portico/route/listener_builder.h"
#include "route_test_util.h"

namespace portico::route {
namespace {

using namespace testing;
using config::Protocol;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

config::ConfigSet oneGateway(std::vector<config::VirtualService> vss,
                             std::vector<std::string> hosts = {"*"}) {
  config::ConfigSet set;
  set.gateways.push_back(gateway("gw", {server(80, Protocol::kHttp, std::move(hosts))}));
  set.virtualServices = std::move(vss);
  return set;
}

const ForwardAction& forward(const Route& r) { return std::get<ForwardAction>(r.action); }

TEST(ExpandHostTest, ShortNamesGetNamespaceAndDomain) {
  EXPECT_EQ(expandHost("reviews", "default"), "reviews.default.svc.cluster.local");
  EXPECT_EQ(expandHost("Reviews", "prod", "cluster.example"), "reviews.prod.cluster.example");
  EXPECT_EQ(expandHost("api.example.com", "default"), "api.example.com");
  EXPECT_EQ(expandHost("reviews.prod", "default"), "reviews.prod");
}

TEST(ListenerBuilderTest, HostSubset) {
  EXPECT_TRUE(ListenerBuilder::hostSubsetOf("a.example.com", "*.example.com"));
  EXPECT_TRUE(ListenerBuilder::hostSubsetOf("a.b.example.com", "*.example.com"));
  EXPECT_FALSE(ListenerBuilder::hostSubsetOf("example.com", "*.example.com"));
  EXPECT_TRUE(ListenerBuilder::hostSubsetOf("*.a.example.com", "*.example.com"));
  EXPECT_FALSE(ListenerBuilder::hostSubsetOf("*.example.com", "*.a.example.com"));
  EXPECT_TRUE(ListenerBuilder::hostSubsetOf("*", "*"));
  EXPECT_FALSE(ListenerBuilder::hostSubsetOf("*", "a.com"));
}

TEST(SnapshotCompilerTest, RefusesConfigWithErrors) {
  config::ConfigSet set;
  set.diagnostics.add(config::Diagnostic{config::Severity::kError, "f", {}, "", "", "bad"});
  config::Diagnostics d;
  EXPECT_EQ(compileSnapshot(std::make_shared<const config::ConfigSet>(set), {}, d), nullptr);
}

TEST(SnapshotCompilerTest, ListenersMergeServersPerPortAndFilterByLabels) {
  config::ConfigSet set;
  set.gateways.push_back(gateway(
      "a", {server(80, Protocol::kHttp, {"a.com"}), server(8080, Protocol::kHttp, {"*"}, "alt")}));
  set.gateways.push_back(gateway("b", {server(80, Protocol::kHttp2, {"b.com"})}, "default", 1));
  config::Gateway other = gateway("other", {server(9090, Protocol::kHttp, {"*"})}, "default", 2);
  other.selector = {{"istio", "egressgateway"}};
  set.gateways.push_back(other);
  config::Gateway conflict = gateway("c", {server(80, Protocol::kTcp, {"*"}, "tcp")}, "default", 3);
  set.gateways.push_back(conflict);
  config::Gateway noSelector = gateway("any", {server(7070, Protocol::kHttp, {"*"})}, "default", 4);
  noSelector.selector.clear();
  set.gateways.push_back(noSelector);

  Compiled c = compile(std::move(set));
  ASSERT_TRUE(c.snapshot);
  std::vector<uint16_t> ports;
  for (const auto& [port, l] : c.snapshot->listeners) ports.push_back(port);
  EXPECT_THAT(ports, ElementsAre(80, 7070, 8080));
  const Listener& l80 = *c.snapshot->listener(80);
  ASSERT_EQ(l80.servers.size(), 2u);
  EXPECT_EQ(l80.servers[0].gateway, "default/a");
  EXPECT_EQ(l80.servers[1].gateway, "default/b");
  EXPECT_EQ(l80.protocol, Protocol::kHttp);
  EXPECT_THAT(c.warnings(),
              ElementsAre("test.yaml: warning: Gateway default/c: spec.servers[0]: port 80 is "
                          "already a HTTP listener (Gateway default/a spec.servers[0]); a TCP "
                          "server cannot share it, server ignored"));

  CompileOptions custom;
  custom.gatewayLabels = {{"istio", "egressgateway"}, {"app", "x"}};
  config::ConfigSet set2;
  set2.gateways.push_back(other);
  set2.gateways.push_back(gateway("a", {server(80, Protocol::kHttp, {"*"})}));
  Compiled c2 = compile(std::move(set2), custom);
  EXPECT_EQ(c2.snapshot->listeners.size(), 1u);
  EXPECT_NE(c2.snapshot->listener(9090), nullptr);
}

TEST(SnapshotCompilerTest, VirtualHostDomainIsTheMoreSpecificName) {
  config::ConfigSet set;
  set.gateways.push_back(
      gateway("gw", {server(80, Protocol::kHttp, {"*.example.com", "Shop.com"})}));
  set.virtualServices.push_back(virtualService("vs",
                                               {"API.example.com", "*.shop.com", "*", "other.org"},
                                               {"default/gw"}, {http({}, {dest("svc", 80)}, "r")}));
  Compiled c = compile(std::move(set));
  std::vector<std::string> domains;
  for (const auto& vh : c.snapshot->listener(80)->virtualHosts.virtualHosts()) {
    domains.push_back(vh->domains()[0]);
  }
  // "*.shop.com" does not intersect "shop.com"; "*" narrows to each server host.
  EXPECT_THAT(domains, ElementsAre("api.example.com", "*.example.com", "shop.com"));
  EXPECT_EQ(c.routeFor(get("/", "api.example.com")), "r");
  EXPECT_EQ(c.routeFor(get("/", "x.example.com")), "r");
  EXPECT_EQ(c.routeFor(get("/", "other.org")), "");
}

TEST(SnapshotCompilerTest, ServerHostNamespaceRestrictsBinding) {
  config::ConfigSet set;
  set.gateways.push_back(
      gateway("gw", {server(80, Protocol::kHttp, {"prod/a.com", "./b.com", "*/c.com"})}, "infra"));
  set.virtualServices.push_back(virtualService("p", {"a.com", "b.com", "c.com"}, {"infra/gw"},
                                               {http({}, {dest("s", 80)}, "prod")}, 0, "prod"));
  set.virtualServices.push_back(virtualService("i", {"a.com", "b.com", "c.com"}, {"infra/gw"},
                                               {http({}, {dest("s", 80)}, "infra")}, 1, "infra"));
  Compiled c = compile(std::move(set));
  EXPECT_EQ(c.routeFor(get("/", "a.com")), "prod");
  EXPECT_EQ(c.routeFor(get("/", "b.com")), "infra");
  EXPECT_EQ(c.routeFor(get("/", "c.com")), "prod");  // both bind: first VS first
}

TEST(SnapshotCompilerTest, VirtualServiceWithoutGatewaysBindsNothing) {
  config::ConfigSet set = oneGateway(
      {virtualService("mesh", {"*"}, {}, {http({}, {dest("s", 80)})}),
       virtualService("other", {"*"}, {"default/nope"}, {http({}, {dest("s", 80)})}, 1)});
  Compiled c = compile(std::move(set));
  EXPECT_TRUE(c.snapshot->listener(80)->virtualHosts.virtualHosts().empty());
  EXPECT_THAT(c.warnings(),
              ElementsAre("test.yaml: warning: VirtualService default/other: spec.gateways: binds "
                          "to no listener: no selected Gateway server it names has a host "
                          "matching its hosts"));
}

TEST(SnapshotCompilerTest, HttpRoutesOnlyOnHttpAndTerminatedHttps) {
  config::ConfigSet set;
  config::Server https = server(443, Protocol::kHttps, {"*"}, "https");
  https.tls = config::ServerTls{};
  https.tls->mode = config::ServerTls::Mode::kSimple;
  config::Server passthrough = server(8443, Protocol::kHttps, {"*"}, "pass");
  passthrough.tls = config::ServerTls{};
  set.gateways.push_back(
      gateway("gw", {https, passthrough, server(9000, Protocol::kTcp, {"*"}, "tcp")}));
  set.virtualServices.push_back(
      virtualService("vs", {"*"}, {"default/gw"}, {http({}, {dest("s", 80)}, "r")}));
  Compiled c = compile(std::move(set));
  Request r = get("/");
  r.port = 443;
  EXPECT_EQ(c.routeFor(r), "r");
  EXPECT_TRUE(c.snapshot->listener(8443)->virtualHosts.virtualHosts().empty());
  EXPECT_TRUE(c.snapshot->listener(9000)->virtualHosts.virtualHosts().empty());
}

TEST(SnapshotCompilerTest, HttpsRedirectMarksEveryServerHost) {
  config::ConfigSet set;
  config::Server s = server(80, Protocol::kHttp, {"a.com", "b.com"});
  s.tls = config::ServerTls{};
  s.tls->httpsRedirect = true;
  set.gateways.push_back(gateway("gw", {s}));
  set.virtualServices.push_back(
      virtualService("vs", {"a.com"}, {"default/gw"}, {http({}, {dest("s", 80)}, "r")}));
  Compiled c = compile(std::move(set));
  EXPECT_TRUE(c.vhost(80, "a.com")->requireTls());
  ASSERT_NE(c.vhost(80, "b.com"), nullptr);  // redirect-only virtual host
  EXPECT_TRUE(c.vhost(80, "b.com")->requireTls());
  EXPECT_TRUE(c.vhost(80, "b.com")->routes().empty());
}

TEST(SnapshotCompilerTest, PrecedenceAcrossVirtualServicesByOrderThenName) {
  // Same order: name breaks the tie, so "a-vs" comes before "b-vs" despite list order.
  config::ConfigSet set = oneGateway({
      virtualService("b-vs", {"*"}, {"default/gw"},
                     {http({uriMatch(prefix("/x"))}, {dest("s", 80)}, "b")}, 5),
      virtualService("a-vs", {"*"}, {"default/gw"},
                     {http({uriMatch(prefix("/x"))}, {dest("s", 80)}, "a")}, 5),
      virtualService("first", {"*"}, {"default/gw"},
                     {http({uriMatch(prefix("/"))}, {dest("s", 80)}, "first-catch-all")}, 1),
  });
  Compiled c = compile(std::move(set));
  EXPECT_EQ(c.routeFor(get("/x")), "a");
  // The earlier VS's catch-all moved after the later VSs' other routes.
  EXPECT_EQ(c.routeFor(get("/y")), "first-catch-all");
  std::vector<std::string> names;
  for (const auto& r : c.vhost(80, "any")->routes()) names.push_back(r->name);
  EXPECT_THAT(names, ElementsAre("a", "b", "first-catch-all"));
}

TEST(SnapshotCompilerTest, RoutesAfterCatchAllAreDroppedWithWarning) {
  config::ConfigSet set = oneGateway({virtualService(
      "vs", {"*"}, {"default/gw"},
      {http({uriMatch(prefix("/a"))}, {dest("s", 80)}, "a"),
       http({uriMatch(prefix("/b")), uriMatch(regex(".*"))}, {dest("s", 80)}, "b"),
       http({uriMatch(prefix("/c"))}, {dest("s", 80)}, "c"), http({}, {dest("s", 80)}, "d")})});
  Compiled c = compile(std::move(set));
  EXPECT_EQ(c.routeFor(get("/c")), "b");
  std::vector<std::string> names;
  for (const auto& r : c.vhost(80, "x")->routes()) names.push_back(r->name);
  EXPECT_THAT(names, ElementsAre("a", "b", "b"));  // "b" split: /b, then its catch-all block
  EXPECT_THAT(c.warnings(),
              ElementsAre("test.yaml: warning: VirtualService default/vs: spec.http[2]: "
                          "unreachable route: the catch-all spec.http[1].match[1] before it "
                          "matches every request; route dropped",
                          "test.yaml: warning: VirtualService default/vs: spec.http[3]: "
                          "unreachable route: the catch-all spec.http[1].match[1] before it "
                          "matches every request; route dropped"));
}

TEST(SnapshotCompilerTest, LintsDuplicateAndCoveredPrefixes) {
  config::HttpMatchRequest withHeader = uriMatch(prefix("/api"));
  withHeader.headers = {{"x", exact("1")}};
  config::HttpMatchRequest lowerCase = uriMatch(prefix("/API/v2"));
  lowerCase.ignoreUriCase = true;
  config::ConfigSet set = oneGateway(
      {virtualService("vs", {"*"}, {"default/gw"},
                      {http({withHeader}, {dest("s", 80)}, "hdr"),
                       http({uriMatch(prefix("/api"))}, {dest("s", 80)}, "api"),
                       http({withHeader}, {dest("s", 80)}, "dup"),  // identical to http[0]
                       http({uriMatch(exact("/api/v1"))}, {dest("s", 80)}, "covered"),
                       http({lowerCase}, {dest("s", 80)}, "case"),  // matches /API/v2: not covered
                       http({uriMatch(prefix("/ap"))}, {dest("s", 80)}, "broader")})});
  Compiled c = compile(std::move(set));
  EXPECT_THAT(c.warnings(),
              ElementsAre("test.yaml: warning: VirtualService default/vs: spec.http[2]: "
                          "unreachable route: spec.http[0].match[0] (uri prefix \"/api\") comes "
                          "first and matches every request it matches",
                          "test.yaml: warning: VirtualService default/vs: spec.http[3]: "
                          "unreachable route: spec.http[1].match[0] (uri prefix \"/api\") comes "
                          "first and matches every request it matches"));
  EXPECT_EQ(c.routeFor(get("/API/v2")), "case");
}

TEST(SnapshotCompilerTest, MatchPortAndPerMatchGateways) {
  config::ConfigSet set;
  set.gateways.push_back(gateway(
      "gw", {server(80, Protocol::kHttp, {"*"}), server(8080, Protocol::kHttp, {"*"}, "alt")}));
  set.gateways.push_back(gateway("gw2", {server(9090, Protocol::kHttp, {"*"})}, "default", 1));
  config::HttpMatchRequest on8080 = uriMatch(prefix("/p"));
  on8080.port = 8080;
  config::HttpMatchRequest onGw2 = uriMatch(prefix("/g"));
  onGw2.gateways = {"default/gw2"};
  set.virtualServices.push_back(virtualService(
      "vs", {"*"}, {"default/gw"},
      {http({on8080}, {dest("s", 80)}, "port"), http({onGw2}, {dest("s", 80)}, "gw2"),
       http({uriMatch(prefix("/"))}, {dest("s", 80)}, "rest")}));
  Compiled c = compile(std::move(set));
  Request r = get("/p");
  EXPECT_EQ(c.routeFor(r), "rest");
  r.port = 8080;
  EXPECT_EQ(c.routeFor(r), "port");
  r = get("/g");
  EXPECT_EQ(c.routeFor(r), "rest");
  r.port = 9090;
  EXPECT_EQ(c.routeFor(r), "gw2");
  r.path = "/other";
  EXPECT_EQ(c.routeFor(r), "");  // the VS-level routes are not bound to gw2
}

TEST(SnapshotCompilerTest, VirtualServiceWithNoRouteOnThePortDoesNotClaimTheHost) {
  config::ConfigSet set;
  set.gateways.push_back(gateway(
      "gw", {server(80, Protocol::kHttp, {"*"}), server(8080, Protocol::kHttp, {"*"}, "alt")}));
  config::HttpMatchRequest on8080 = uriMatch(prefix("/"));
  on8080.port = 8080;
  set.virtualServices.push_back(virtualService("admin", {"admin.com"}, {"default/gw"},
                                               {http({on8080}, {dest("s", 80)}, "admin")}));
  set.virtualServices.push_back(
      virtualService("all", {"*"}, {"default/gw"}, {http({}, {dest("s", 80)}, "all")}, 1));
  Compiled c = compile(std::move(set));
  Request r = get("/", "admin.com");
  EXPECT_EQ(c.routeFor(r), "all");  // port 80: falls through to the "*" virtual host
  r.port = 8080;
  EXPECT_EQ(c.routeFor(r), "admin");
}

TEST(SnapshotCompilerTest, WeightsAndClusterNames) {
  config::ConfigSet set = oneGateway(
      {virtualService("vs", {"*"}, {"default/gw"},
                      {http({uriMatch(prefix("/split"))},
                            {dest("reviews", 9080, "v1", 90), dest("reviews", 9080, "v2", 10),
                             dest("reviews", 9080, "v3", 0)},
                            "split"),
                       http({uriMatch(prefix("/single"))},
                            {dest("ratings.prod.svc.cluster.local", 8080, "", 30)}, "single")})});
  Compiled c = compile(std::move(set));
  const auto* split = c.vhost(80, "x")->match(get("/split").input())->route;
  const auto& f = forward(*split);
  ASSERT_EQ(f.clusters.size(), 2u);  // zero weight dropped
  EXPECT_EQ(f.clusters[0].clusterName, "outbound|9080|v1|reviews.default.svc.cluster.local");
  EXPECT_EQ(f.clusters[0].weight, 90u);
  EXPECT_EQ(f.clusters[1].clusterName, "outbound|9080|v2|reviews.default.svc.cluster.local");
  EXPECT_EQ(f.totalWeight, 100u);
  const auto& single = forward(*c.vhost(80, "x")->match(get("/single").input())->route);
  ASSERT_EQ(single.clusters.size(), 1u);
  EXPECT_EQ(single.clusters[0].clusterName, "outbound|8080||ratings.prod.svc.cluster.local");
  EXPECT_EQ(single.pick(0).weight, single.totalWeight);  // 100% whatever the weight
  // No DestinationRule defines v1/v2: the routes exist, the clusters do not (503 NC).
  EXPECT_EQ(c.snapshot->cluster("outbound|9080|v1|reviews.default.svc.cluster.local"), nullptr);
  EXPECT_NE(c.snapshot->cluster("outbound|8080||ratings.prod.svc.cluster.local"), nullptr);
  EXPECT_THAT(c.diagnostics.format(),
              HasSubstr("test.yaml: warning: VirtualService default/vs: "
                        "spec.http[0].route[0].destination: subset \"v1\" is not defined by any "
                        "DestinationRule for host \"reviews.default.svc.cluster.local\"; requests "
                        "to it get 503"));
}

config::ServiceEntry serviceEntry(std::string host, config::ServiceEntry::Resolution resolution,
                                  std::vector<config::ServicePort> ports,
                                  std::vector<config::WorkloadEntry> endpoints) {
  config::ServiceEntry se;
  se.meta = meta("ServiceEntry", "se-" + host, "default", 0);
  se.hosts = {std::move(host)};
  se.resolution = resolution;
  se.ports = std::move(ports);
  se.endpoints = std::move(endpoints);
  return se;
}

config::WorkloadEntry endpoint(std::string address, std::map<std::string, std::string> labels,
                               std::map<std::string, uint32_t> ports = {}) {
  config::WorkloadEntry e;
  e.address = std::move(address);
  e.labels = std::move(labels);
  e.ports = std::move(ports);
  return e;
}

config::Subset subset(std::string name, std::map<std::string, std::string> labels) {
  config::Subset s;
  s.name = std::move(name);
  s.labels = std::move(labels);
  return s;
}

TEST(ClusterBuilderTest, SubsetsSelectEndpointsByLabelsAndPortsResolve) {
  config::ConfigSet set = oneGateway(
      {virtualService("vs", {"*"}, {"default/gw"},
                      {http({}, {dest("reviews.default.svc.cluster.local", 9080, "v2")})})});
  config::ServicePort p{9080, Protocol::kHttp, "http", 8000, {}};
  set.serviceEntries.push_back(serviceEntry(
      "reviews.default.svc.cluster.local", config::ServiceEntry::Resolution::kStatic, {p},
      {endpoint("10.0.0.1", {{"version", "v1"}}),
       endpoint("10.0.0.2", {{"version", "v2"}, {"zone", "a"}}, {{"http", 7000}}),
       endpoint("10.0.0.3", {{"version", "v2"}})}));
  config::DestinationRule dr;
  dr.meta = meta("DestinationRule", "reviews", "default", 0);
  dr.host = "reviews";  // short name, expanded in the DR's namespace
  dr.subsets = {subset("v1", {{"version", "v1"}}), subset("v2", {{"version", "v2"}})};
  set.destinationRules.push_back(dr);

  Compiled c = compile(std::move(set));
  const auto* v2 = c.snapshot->cluster("outbound|9080|v2|reviews.default.svc.cluster.local");
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(v2->discovery, upstream::ClusterConfig::Discovery::kStatic);
  ASSERT_EQ(v2->endpoints.size(), 2u);
  EXPECT_EQ(v2->endpoints[0].address, "10.0.0.2");
  EXPECT_EQ(v2->endpoints[0].port, 7000);  // endpoint port map beats targetPort
  EXPECT_EQ(v2->endpoints[1].port, 8000);  // targetPort
  // The registry's clusters exist whether referenced or not.
  EXPECT_EQ(
      c.snapshot->cluster("outbound|9080|v1|reviews.default.svc.cluster.local")->endpoints.size(),
      1u);
  EXPECT_EQ(
      c.snapshot->cluster("outbound|9080||reviews.default.svc.cluster.local")->endpoints.size(),
      3u);
}

TEST(ClusterBuilderTest, DnsDiscoveryAndNoServiceEntry) {
  config::ConfigSet set =
      oneGateway({virtualService("vs", {"*"}, {"default/gw"},
                                 {http({uriMatch(prefix("/a"))}, {dest("api.ext.com")}),
                                  http({uriMatch(prefix("/b"))}, {dest("rr.ext.com")}),
                                  http({uriMatch(prefix("/c"))}, {dest("plain.ext.com", 8443)}),
                                  http({uriMatch(prefix("/d"))}, {dest("noport.ext.com")})})});
  config::ServicePort p{443, Protocol::kGrpc, "grpc", 0, {}};
  set.serviceEntries.push_back(
      serviceEntry("api.ext.com", config::ServiceEntry::Resolution::kDns, {p}, {}));
  set.serviceEntries.push_back(serviceEntry("rr.ext.com",
                                            config::ServiceEntry::Resolution::kDnsRoundRobin, {p},
                                            {endpoint("lb.ext.com", {})}));
  Compiled c = compile(std::move(set));
  const auto* api = c.snapshot->cluster("outbound|443||api.ext.com");  // the SE's only port
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->discovery, upstream::ClusterConfig::Discovery::kStrictDns);
  EXPECT_EQ(api->protocol, upstream::ClusterConfig::Protocol::kHttp2);
  ASSERT_EQ(api->endpoints.size(), 1u);
  EXPECT_EQ(api->endpoints[0].address, "api.ext.com");
  EXPECT_EQ(api->endpoints[0].port, 443);
  const auto* rr = c.snapshot->cluster("outbound|443||rr.ext.com");
  EXPECT_EQ(rr->discovery, upstream::ClusterConfig::Discovery::kLogicalDns);
  EXPECT_EQ(rr->endpoints[0].address, "lb.ext.com");
  const auto* plain = c.snapshot->cluster("outbound|8443||plain.ext.com");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->discovery, upstream::ClusterConfig::Discovery::kStrictDns);
  EXPECT_EQ(plain->endpoints[0].address, "plain.ext.com");
  EXPECT_EQ(plain->endpoints[0].port, 8443);
  EXPECT_EQ(plain->connectTimeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(plain->lbPolicy, upstream::ClusterConfig::LbPolicy::kLeastRequest);
  EXPECT_NE(c.snapshot->cluster("outbound|80||noport.ext.com"), nullptr);
  EXPECT_THAT(
      c.warnings(),
      ElementsAre("test.yaml: warning: VirtualService default/vs: "
                  "spec.http[3].route[0].destination.port: destination port is required "
                  "for host \"noport.ext.com\", which no ServiceEntry defines; using port 80"));
}

TEST(ClusterBuilderTest, DestinationRulePrecedenceMergeAndPolicyLayers) {
  config::ConfigSet set = oneGateway(
      {virtualService("vs", {"*"}, {"default/gw"},
                      {http({uriMatch(prefix("/a"))}, {dest("a.example.com", 80, "canary")}),
                       http({uriMatch(prefix("/b"))}, {dest("a.example.com", 8080)}),
                       http({uriMatch(prefix("/c"))}, {dest("b.example.com", 80)})})});

  auto pool = [](int connectMs, uint32_t maxConn) {
    config::ConnectionPoolSettings p;
    p.connectTimeout = std::chrono::milliseconds(connectMs);
    p.maxConnections = maxConn;
    return p;
  };
  auto lb = [](config::LoadBalancerSettings::Simple s) {
    config::LoadBalancerSettings l;
    l.simple = s;
    return l;
  };
  config::DestinationRule wildcard;
  wildcard.meta = meta("DestinationRule", "wild", "default", 0);
  wildcard.host = "*.example.com";
  wildcard.trafficPolicy = config::TrafficPolicy{};
  wildcard.trafficPolicy->loadBalancer = lb(config::LoadBalancerSettings::Simple::kRandom);

  config::DestinationRule exact1;
  exact1.meta = meta("DestinationRule", "exact1", "default", 1);
  exact1.host = "a.example.com";
  exact1.trafficPolicy = config::TrafficPolicy{};
  exact1.trafficPolicy->loadBalancer = lb(config::LoadBalancerSettings::Simple::kRoundRobin);
  exact1.trafficPolicy->connectionPool = pool(2000, 5);
  config::PortTrafficPolicy port8080;
  port8080.port = 8080;
  port8080.connectionPool = pool(3000, 7);
  exact1.trafficPolicy->portLevelSettings = {port8080};

  config::DestinationRule exact2;  // merged: contributes the subset, its policy loses
  exact2.meta = meta("DestinationRule", "exact2", "default", 2);
  exact2.host = "a.example.com";
  exact2.trafficPolicy = config::TrafficPolicy{};
  exact2.trafficPolicy->loadBalancer = lb(config::LoadBalancerSettings::Simple::kRandom);
  config::Subset canary = subset("canary", {});
  canary.trafficPolicy = config::TrafficPolicy{};
  canary.trafficPolicy->connectionPool = pool(500, 0);
  exact2.subsets = {canary};

  set.destinationRules = {wildcard, exact1, exact2};
  Compiled c = compile(std::move(set));

  const auto* canaryCluster = c.snapshot->cluster("outbound|80|canary|a.example.com");
  ASSERT_NE(canaryCluster, nullptr);
  // Subset connectionPool replaces the DR-level one as a whole; the lb stays.
  EXPECT_EQ(canaryCluster->connectTimeout, std::chrono::milliseconds(500));
  EXPECT_EQ(canaryCluster->maxConnections, 0u);
  EXPECT_EQ(canaryCluster->lbPolicy, upstream::ClusterConfig::LbPolicy::kRoundRobin);
  // Port-level replaces everything: no lb inherited.
  const auto* port = c.snapshot->cluster("outbound|8080||a.example.com");
  EXPECT_EQ(port->connectTimeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(port->maxConnections, 7u);
  EXPECT_EQ(port->lbPolicy, upstream::ClusterConfig::LbPolicy::kLeastRequest);
  // The wildcard DR applies where no exact one does.
  EXPECT_EQ(c.snapshot->cluster("outbound|80||b.example.com")->lbPolicy,
            upstream::ClusterConfig::LbPolicy::kRandom);
}

TEST(RouteBuilderTest, ActionsRewritesHeadersRetriesFaultMirrors) {
  config::HttpRoute r1 = http({uriMatch(prefix("/products"))}, {dest("svc", 8080)});
  r1.rewrite = config::HttpRewrite{};
  r1.rewrite->uri = "/";
  r1.headers.request.add = {{"x-forwarded-proto", "https"}, {"host", "added.example"}};
  r1.headers.request.set = {{":authority", "set.example"}};
  r1.headers.request.remove = {"x-a", ":path", "host"};
  r1.headers.response.set = {{"x-r", "1"}};
  r1.retries = config::HttpRetry{};
  r1.retries->attempts = 3;
  r1.retries->retryOn = "5xx, connect-failure,503,retriable-headers";
  r1.fault = config::HttpFaultInjection{};
  r1.fault->abort = config::HttpFaultInjection::Abort{503, "", 12.5, {}};
  r1.fault->delay = config::HttpFaultInjection::Delay{std::chrono::milliseconds(100), 0.0001, {}};
  config::HttpMirror mirror;
  mirror.destination.host = "shadow";
  mirror.destination.port = 80;
  mirror.percentage = 50;
  r1.mirrors = {mirror};
  r1.timeout = std::chrono::milliseconds(1500);

  config::HttpRoute r2 = http({uriMatch(prefix("/re"))}, {dest("svc", 8080)});
  r2.rewrite = config::HttpRewrite{};
  r2.rewrite->uriRegexRewrite = config::RegexRewrite{"^/re/(.*)$", "/\\1", {}};
  r2.rewrite->authority = "auth.example";
  r2.headers.request.set = {{"host", "ignored.example"}};
  r2.retries = config::HttpRetry{};  // attempts 0: no retries

  config::HttpRoute r3 = http({uriMatch(prefix("/old"))}, {});
  r3.redirect = config::HttpRedirect{};
  r3.redirect->uri = "/new";
  r3.redirect->redirectCode = 302;
  config::HttpRoute r4 = http({uriMatch(prefix("/teapot"))}, {});
  r4.directResponse = config::HttpDirectResponse{418, std::string("short and stout"), {}};
  config::HttpRoute r5 = http({uriMatch(prefix("/default"))}, {dest("svc", 8080)});

  Compiled c =
      compile(oneGateway({virtualService("vs", {"*"}, {"default/gw"}, {r1, r2, r3, r4, r5})}));
  const VirtualHost* vh = c.vhost(80, "x");
  const Route& a = *vh->match(get("/products/1").input())->route;
  EXPECT_EQ(a.name, "default/vs/http[0]");
  EXPECT_EQ(a.virtualService, "default/vs");
  EXPECT_EQ(a.rewrite.kind, PathRewrite::Kind::kPrefix);
  EXPECT_EQ(a.rewrite.replacement, "/");
  EXPECT_EQ(a.hostRewrite, "set.example");  // set wins over add
  EXPECT_EQ(a.requestHeaders.add,
            (std::vector<std::pair<std::string, std::string>>{{"x-forwarded-proto", "https"}}));
  EXPECT_TRUE(a.requestHeaders.set.empty());
  EXPECT_EQ(a.requestHeaders.remove, std::vector<std::string>{"x-a"});
  EXPECT_EQ(a.responseHeaders.set.size(), 1u);
  EXPECT_EQ(a.retry.numRetries, 3u);
  EXPECT_EQ(a.retry.retryOn,
            RetryPolicy::k5xx | RetryPolicy::kConnectFailure | RetryPolicy::kRetriableStatusCodes);
  EXPECT_EQ(a.retry.retriableStatusCodes, std::vector<uint32_t>{503});
  ASSERT_TRUE(a.fault);
  EXPECT_EQ(a.fault->abortStatus, 503u);
  EXPECT_EQ(a.fault->abortPerMillion, 125000u);
  EXPECT_EQ(a.fault->delayPerMillion, 1u);
  EXPECT_EQ(a.fault->delay, std::chrono::milliseconds(100));
  ASSERT_EQ(a.mirrors.size(), 1u);
  EXPECT_EQ(a.mirrors[0].clusterName, "outbound|80||shadow.default.svc.cluster.local");
  EXPECT_EQ(a.mirrors[0].perMillion, 500000u);
  EXPECT_EQ(a.timeout, std::chrono::milliseconds(1500));
  EXPECT_THAT(
      c.diagnostics.format(),
      HasSubstr("test.yaml: warning: VirtualService default/vs: spec.http[0].retries.retryOn: "
                "retry policy \"retriable-headers\" is not supported by Portico; ignored"));

  const Route& b = *vh->match(get("/re/x").input())->route;
  EXPECT_EQ(b.rewrite.kind, PathRewrite::Kind::kRegex);
  std::string path = "/re/abc";
  RE2::GlobalReplace(&path, *b.rewrite.regex, b.rewrite.substitution);
  EXPECT_EQ(path, "/abc");
  EXPECT_EQ(b.hostRewrite, "auth.example");  // rewrite.authority beats headers
  EXPECT_EQ(b.retry.numRetries, 0u);

  const Route& redirect = *vh->match(get("/old").input())->route;
  EXPECT_EQ(std::get<RedirectAction>(redirect.action).path, "/new");
  EXPECT_EQ(std::get<RedirectAction>(redirect.action).code, 302u);
  const Route& direct = *vh->match(get("/teapot").input())->route;
  EXPECT_EQ(std::get<DirectResponseAction>(direct.action).status, 418u);
  EXPECT_EQ(std::get<DirectResponseAction>(direct.action).body, "short and stout");

  const Route& def = *vh->match(get("/default").input())->route;
  EXPECT_EQ(def.retry.numRetries, 2u);  // Istio's default policy
  EXPECT_EQ(def.retry.retryOn, RetryPolicy::kConnectFailure | RetryPolicy::kRefusedStream |
                                   RetryPolicy::kUnavailable | RetryPolicy::kCancelled |
                                   RetryPolicy::kRetriableStatusCodes);
  EXPECT_FALSE(def.timeout);
}

TEST(RouteBuilderTest, DestinationHeadersAndHostRewrite) {
  config::HttpRouteDestination d = dest("svc", 80, "", 1);
  d.headers.request.set = {{"host", "dest.example"}, {"x-d", "1"}};
  d.headers.response.add = {{"x-resp", "2"}};
  Compiled c = compile(oneGateway(
      {virtualService("vs", {"*"}, {"default/gw"}, {http({}, {d, dest("svc2", 80, "", 1)})})}));
  const auto& f = forward(*c.vhost(80, "x")->routes()[0]);
  EXPECT_EQ(f.clusters[0].hostRewrite, "dest.example");
  EXPECT_EQ(f.clusters[0].requestHeaders.set.size(), 1u);
  EXPECT_EQ(f.clusters[0].responseHeaders.add.size(), 1u);
  EXPECT_EQ(f.totalWeight, 2u);
}

TEST(SnapshotCompilerTest, VersionIsContentHash) {
  auto make = [](std::string host) {
    config::ConfigSet set =
        oneGateway({virtualService("vs", {"*"}, {"default/gw"}, {http({}, {dest(host, 80)})})});
    set.virtualServices[0].meta.source = YAML::Load("spec: {hosts: ['" + host + "']}");
    return compile(std::move(set));
  };
  auto a = make("a");
  auto b = make("a");
  auto c = make("b");
  EXPECT_EQ(a.snapshot->version.size(), 16u);
  EXPECT_EQ(a.snapshot->version, b.snapshot->version);
  EXPECT_NE(a.snapshot->version, c.snapshot->version);
}

}  // namespace
}  // namespace portico::route

namespace portico::route {
namespace {

using namespace testing;

TEST(RouteBuilderTest, ConsistentHashKeepsRetriesOnTheSameHostByDefault) {
  config::HttpRoute sticky = http({uriMatch(prefix("/sticky"))}, {dest("h.example.com", 80)});
  config::HttpRoute forced = http({uriMatch(prefix("/forced"))}, {dest("h.example.com", 80)});
  forced.retries = config::HttpRetry{};
  forced.retries->attempts = 1;
  forced.retries->retryIgnorePreviousHosts = true;
  config::HttpRoute plain = http({uriMatch(prefix("/plain"))}, {dest("other.example.com", 80)});
  config::ConfigSet set;
  set.gateways.push_back(gateway("gw", {server(80, config::Protocol::kHttp, {"*"})}));
  set.virtualServices.push_back(
      virtualService("vs", {"*"}, {"default/gw"}, {sticky, forced, plain}));
  config::DestinationRule dr;
  dr.meta = meta("DestinationRule", "h", "default", 0);
  dr.host = "h.example.com";
  dr.trafficPolicy = config::TrafficPolicy{};
  dr.trafficPolicy->loadBalancer = config::LoadBalancerSettings{};
  dr.trafficPolicy->loadBalancer->consistentHash = config::LoadBalancerSettings::ConsistentHash{};
  dr.trafficPolicy->loadBalancer->consistentHash->httpHeaderName = "x-user";
  set.destinationRules.push_back(dr);
  Compiled c = compile(std::move(set));
  const VirtualHost* vh = c.vhost(80, "x");
  EXPECT_FALSE(vh->match(get("/sticky").input())->route->retry.retryPreviousHosts);
  EXPECT_TRUE(vh->match(get("/forced").input())->route->retry.retryPreviousHosts);
  EXPECT_TRUE(vh->match(get("/plain").input())->route->retry.retryPreviousHosts);
  EXPECT_EQ(c.snapshot->cluster("outbound|80||h.example.com")->consistentHash->httpHeaderName,
            "x-user");
}

}  // namespace
}  // namespace portico::route
