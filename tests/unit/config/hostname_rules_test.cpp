// The host-name rules every parser shares. The cases pin where the two former copies differed:
// Istio's all-numeric top-level-domain rule, "*." and "x." accepted, and messages that name the
// whole host the user wrote (Istio names only the labels after a wildcard).
#include "portico/config/hostname_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "portico/config/resource_parsers.h"
#include "spec_test_support.h"

namespace portico::config {
namespace {

using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::IsEmpty;
using ::testing::Optional;

TEST(HostnameRulesTest, WildcardDomains) {
  for (const char* ok : {"*", "*.example.com", "*-x.example.com", "reviews", "istio.io.", "*."}) {
    EXPECT_EQ(checkWildcardDomain(ok), std::nullopt) << ok;
  }
  EXPECT_THAT(checkWildcardDomain("foo.*.com"),
              Optional(Eq("domain name \"foo.*.com\" invalid (label \"*\" invalid)")));
  EXPECT_THAT(checkWildcardDomain("*.a..b"),
              Optional(Eq("domain name \"*.a..b\" invalid (label \"\" invalid)")));
  EXPECT_THAT(
      checkWildcardDomain("*.host.123"),
      Optional(Eq("domain name \"*.host.123\" invalid (top level domain \"123\" cannot be "
                  "all-numeric)")));
  EXPECT_THAT(checkWildcardDomain(""), Optional(Eq("empty domain name not allowed")));
  EXPECT_THAT(checkWildcardDomain(std::string(256, 'a')),
              Optional(Eq("domain name \"" + std::string(256, 'a') + "\" too long (max 255)")));
}

TEST(HostnameRulesTest, FqdnsAndQuotingLikeGo) {
  EXPECT_EQ(checkFqdn("a.example.com."), std::nullopt);
  EXPECT_THAT(checkFqdn("*.example.com"),
              Optional(Eq("domain name \"*.example.com\" invalid (label \"*\" invalid)")));
  EXPECT_THAT(checkFqdn("1.2.3.4"),
              Optional(Eq("domain name \"1.2.3.4\" invalid (top level domain \"4\" cannot be "
                          "all-numeric)")));
  EXPECT_THAT(checkFqdn("a\"b.com"),
              Optional(Eq(R"(domain name "a\"b.com" invalid (label "a\"b" invalid))")));
}

TEST(HostnameRulesTest, Addresses) {
  EXPECT_TRUE(isIpAddress("10.0.0.1"));
  EXPECT_TRUE(isIpAddress("fd00::1"));
  EXPECT_FALSE(isIpAddress("fe80::1%eth0"));
  EXPECT_FALSE(isIpAddress("10.0.0.0/8"));
  EXPECT_TRUE(isCidr("10.0.0.0/8"));
  EXPECT_FALSE(isCidr("10.0.0.0/33"));
  EXPECT_TRUE(isUnixAddress("unix://@abstract"));
  EXPECT_FALSE(isUnixAddress("unix://"));
}

TEST(HostnameRulesTest, ServiceEntryHostWithNumericTopLevelDomainIsRejected) {
  testing::SpecFixture<ServiceEntry> f;
  f.parse("hosts: [a.com, 10.0.0.1]\nresolution: DNS\n", parseServiceEntrySpec, "ServiceEntry",
          "se");
  EXPECT_THAT(f.errors(), ElementsAre("spec.hosts[1]: domain name \"10.0.0.1\" invalid (top "
                                      "level domain \"1\" cannot be all-numeric)"));
}

TEST(HostnameRulesTest, EnumValuesAreQuotedLikeGo) {
  testing::SpecFixture<ServiceEntry> f;
  f.parse("hosts: [a.com]\nresolution: 'D\"NS'\n", parseServiceEntrySpec, "ServiceEntry", "se");
  EXPECT_THAT(f.errors(),
              ElementsAre(R"(spec.resolution: unsupported resolution "D\"NS" (NONE, STATIC, )"
                          R"(DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS))"));
}

TEST(HostnameRulesTest, VirtualServiceAndGatewayAgree) {
  testing::SpecFixture<VirtualService> vs;
  vs.parse("hosts: [\"foo.*.com\"]\nhttp: [{route: [{destination: {host: a.com}}]}]\n",
           parseVirtualServiceSpec, "VirtualService", "vs");
  EXPECT_THAT(vs.errors(),
              ElementsAre("spec.hosts[0]: domain name \"foo.*.com\" invalid (label \"*\" invalid)"));
  testing::SpecFixture<Gateway> gw;
  gw.parse(
      "servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"foo.*.com\"]}]\n",
      parseGatewaySpec, "Gateway", "gw");
  EXPECT_THAT(gw.errors(), ElementsAre("spec.servers[0].hosts[0]: domain name \"foo.*.com\" "
                                       "invalid (label \"*\" invalid)"));
}

}  // namespace
}  // namespace portico::config
