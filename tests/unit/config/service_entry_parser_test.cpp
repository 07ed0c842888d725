#include "portico/config/resource_parsers.h"
#include "spec_test_support.h"

namespace portico::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::SpecFixture;

struct ServiceEntryTest : ::testing::Test {
  SpecFixture<ServiceEntry> f;
  ServiceEntry parse(const std::string& yaml) {
    return f.parse(yaml, parseServiceEntrySpec, "ServiceEntry", "se");
  }
};

TEST_F(ServiceEntryTest, ParsesTheModel) {
  auto se = parse(R"(
hosts: [api.example.com]
addresses: [10.1.0.0/16, 192.168.0.1]
location: MESH_INTERNAL
resolution: STATIC
ports:
- {number: 80, name: http, protocol: http, targetPort: 8080}
- {number: 443, name: https, protocol: HTTPS}
endpoints:
- address: 10.1.0.1
  ports: {http: 9080}
  labels: {version: v1}
  weight: 3
  locality: eu/west/a
- address: unix:///run/api.sock
subjectAltNames: [spiffe://example/api]
)");
  EXPECT_THAT(f.all(), IsEmpty());
  EXPECT_THAT(se.hosts, ElementsAre("api.example.com"));
  EXPECT_THAT(se.addresses, ElementsAre("10.1.0.0/16", "192.168.0.1"));
  EXPECT_EQ(se.location, ServiceEntry::Location::kMeshInternal);
  EXPECT_EQ(se.resolution, ServiceEntry::Resolution::kStatic);
  ASSERT_EQ(se.ports.size(), 2u);
  EXPECT_EQ(se.ports[0].protocol, Protocol::kHttp);
  EXPECT_EQ(se.ports[0].targetPort, 8080u);
  EXPECT_EQ(se.ports[1].targetPort, 0u);
  ASSERT_EQ(se.endpoints.size(), 2u);
  EXPECT_EQ(se.endpoints[0].ports.at("http"), 9080u);
  EXPECT_EQ(se.endpoints[0].labels.at("version"), "v1");
  EXPECT_EQ(se.endpoints[0].weight, 3u);
  EXPECT_EQ(se.endpoints[0].locality, "eu/west/a");
  EXPECT_EQ(se.endpoints[1].address, "unix:///run/api.sock");
  EXPECT_THAT(se.subjectAltNames, ElementsAre("spiffe://example/api"));
}

TEST_F(ServiceEntryTest, HostsRequired) {
  parse("resolution: DNS\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.hosts: Required value: service entry must have at least one host"));
}

TEST_F(ServiceEntryTest, BareWildcardHostRejected) {
  parse("hosts: [\"*\"]\nresolution: DNS\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.hosts[0]: invalid host *: hostname cannot be wildcard"));
}

TEST_F(ServiceEntryTest, PartialWildcardWarnsAndBadLabelsFail) {
  parse("hosts: [\"*foo.com\", \"a_b.com\", \"*.ok.com\"]\nresolution: DNS\n");
  EXPECT_THAT(
      f.all(),
      ElementsAre("warning: spec.hosts[0]: partial wildcard \"*foo.com\" not allowed",
                  "spec.hosts[1]: domain name \"a_b.com\" invalid (label \"a_b\" invalid)"));
}

TEST_F(ServiceEntryTest, PortRules) {
  parse(R"(
hosts: [a.com]
resolution: DNS
ports:
- {number: 1, name: a}
- {number: 12, name: a}
- {number: 1, name: b}
- {number: 99999, name: c}
- {number: 2, name: d, targetPort: 99999}
- {number: 3, name: Bad_Name}
- {number: 4, name: e, protocol: SPDY}
)");
  EXPECT_THAT(
      f.errors(),
      ElementsAre(
          "spec.ports[1].name: Duplicate value: service entry port name \"a\" already defined",
          "spec.ports[2].number: service entry port 1 already defined (port number cannot be "
          "duplicated)",
          "spec.ports[3].number: port number 99999 must be in the range 1..65535",
          "spec.ports[4].targetPort: port number 99999 must be in the range 1..65535",
          "spec.ports[5].name: invalid port name: Bad_Name",
          "spec.ports[6].protocol: unsupported protocol: SPDY"));
}

TEST_F(ServiceEntryTest, UnknownResolution) {
  parse("hosts: [a.com]\nresolution: MAGIC\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.resolution: unsupported resolution \"MAGIC\" (NONE, STATIC, "
                          "DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS)"));
}

TEST_F(ServiceEntryTest, NoneWithEndpointsRejectedAndNoneAloneWarned) {
  parse("hosts: [a.com]\nresolution: NONE\nendpoints: [{address: 1.2.3.4}]\n");
  parse("hosts: [a.com]\n");
  EXPECT_THAT(
      f.all(),
      ElementsAre("spec.endpoints: no endpoints should be provided for resolution type none",
                  "warning: spec.hosts: resolution NONE forwards to the original destination IP, "
                  "which an ingress gateway does not have; requests routed here fail"));
}

TEST_F(ServiceEntryTest, StaticEndpointsMustBeIps) {
  parse(
      "hosts: [a.com]\nresolution: STATIC\nendpoints: [{address: 1.2.3.4}, {address: \"::1\"}, "
      "{address: a.example.com}, {address: \"unix:///sock\"}]\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.endpoints[2].address: endpoint address \"a.example.com\" is "
                          "not a valid IP address"));
}

TEST_F(ServiceEntryTest, DnsEndpointsMustBeFqdns) {
  parse(
      "hosts: [a.com]\nresolution: DNS\nendpoints: [{address: \"*.example.com\"}, {address: "
      "b.example.com}]\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.endpoints[0].address: domain name \"*.example.com\" invalid "
                          "(label \"*\" invalid)"));
}

TEST_F(ServiceEntryTest, DnsRoundRobinAllowsOneEndpoint) {
  parse(
      "hosts: [a.com]\nresolution: DNS_ROUND_ROBIN\nendpoints: [{address: a.example.com}, "
      "{address: "
      "b.example.com}]\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec.endpoints: there must only be 0 or 1 endpoint for "
                                      "resolution mode DNS_ROUND_ROBIN"));
}

TEST_F(ServiceEntryTest, CidrOnlyForNoneOrStatic) {
  parse("hosts: [a.com]\naddresses: [1.2.3.4/16]\nresolution: DNS\n");
  parse("hosts: [a.com]\naddresses: [1.2.3.4/16, not-an-ip]\nresolution: STATIC\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre(
          "spec.addresses[0]: CIDR addresses are allowed only for NONE/STATIC resolution types",
          "spec.addresses[1]: invalid address \"not-an-ip\": must be an IP address or CIDR block"));
}

TEST_F(ServiceEntryTest, EndpointPortsMustBeDefined) {
  parse(
      "hosts: [a.com]\nresolution: STATIC\nports: [{number: 80, name: http}]\n"
      "endpoints: [{address: 1.2.3.4, ports: {http: 8080, grpc: 9090}}]\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.endpoints[0].ports.grpc: endpoint port grpc is not defined "
                          "by the service entry"));
}

TEST_F(ServiceEntryTest, WorkloadSelectorRules) {
  parse("hosts: [a.com]\nresolution: STATIC\nworkloadSelector: {labels: {app: \"*\"}}\n");
  parse(
      "hosts: [a.com]\nresolution: STATIC\nworkloadSelector: {}\nendpoints: [{address: "
      "1.2.3.4}]\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.workloadSelector.labels.app: wildcard is not supported in selector",
                          "spec.endpoints: only one of WorkloadSelector or Endpoints can be set"));
}

TEST_F(ServiceEntryTest, MultipleHostsWithTcpPorts) {
  parse(
      "hosts: [a.com, b.com]\nresolution: DNS\nports: [{number: 3306, name: tcp, protocol: "
      "TCP}]\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.hosts: multiple hosts provided with non-HTTP, non-TLS ports"));
}

TEST_F(ServiceEntryTest, MeshOnlyFieldsWarn) {
  parse(
      "hosts: [a.com]\nresolution: STATIC\nexportTo: [\".\"]\n"
      "endpoints: [{address: 1.2.3.4, network: n1, serviceAccount: sa}]\n");
  EXPECT_THAT(
      f.all(),
      ElementsAre(
          "warning: spec.endpoints[0].network: mesh-only (multi-network), ignored",
          "warning: spec.endpoints[0].serviceAccount: mesh-only (workload identity), ignored",
          "warning: spec.exportTo: mesh-only (namespace visibility), ignored"));
}

}  // namespace
}  // namespace portico::config
