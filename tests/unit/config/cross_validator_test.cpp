#include "portico/config/cross_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace portico::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename T>
T named(const std::string& kind, const std::string& ns, const std::string& name) {
  T out;
  out.meta.kind = kind;
  out.meta.ns = ns;
  out.meta.name = name;
  out.meta.file = "c.yaml";
  return out;
}

std::vector<std::string> formatted(const ConfigSet& set) {
  std::vector<std::string> out;
  for (const auto& d : set.diagnostics.items()) out.push_back(d.format());
  return out;
}

VirtualService routeTo(const std::string& host, const std::string& subset) {
  auto vs = named<VirtualService>("VirtualService", "default", "vs");
  HttpRoute route;
  route.path = "spec.http[0]";
  HttpRouteDestination d;
  d.destination.host = host;
  d.destination.subset = subset;
  route.route.push_back(d);
  vs.http.push_back(route);
  return vs;
}

DestinationRule ruleWithSubsets(const std::string& ns, const std::string& host,
                                std::vector<std::string> subsets) {
  auto dr = named<DestinationRule>("DestinationRule", ns, "dr-" + host);
  dr.host = host;
  for (auto& s : subsets) dr.subsets.push_back(Subset{s, {}, {}, {}});
  return dr;
}

TEST(CrossValidatorTest, RateLimitTargetMustExist) {
  ConfigSet set;
  set.gateways.push_back(named<Gateway>("Gateway", "edge", "gw"));
  set.virtualServices.push_back(named<VirtualService>("VirtualService", "default", "present"));
  auto rl = named<RateLimitConfig>("RateLimitConfig", "default", "rl");
  rl.targetRefs = {{"VirtualService", "x", "default", {3, 5}},
                   {"Gateway", "gw", "edge", {}},
                   {"VirtualService", "present", "default", {}},
                   {"Gateway", "gw", "default", {7, 5}}};
  set.rateLimitConfigs.push_back(rl);
  crossValidate(set);
  EXPECT_THAT(formatted(set), ElementsAre("c.yaml:3:5: RateLimitConfig default/rl: "
                                          "spec.targetRefs[0]: VirtualService default/x not found",
                                          "c.yaml:7:5: RateLimitConfig default/rl: "
                                          "spec.targetRefs[3]: Gateway default/gw not found"));
  EXPECT_EQ(set.diagnostics.errorCount(), 2u);
}

TEST(CrossValidatorTest, MissingGatewayIsAWarning) {
  ConfigSet set;
  set.gateways.push_back(named<Gateway>("Gateway", "default", "gw"));
  auto vs = named<VirtualService>("VirtualService", "default", "vs");
  vs.gateways = {"default/gw", "mesh", "istio-system/ingress"};
  HttpRoute route;
  route.path = "spec.http[0]";
  HttpMatchRequest match;
  match.gateways = {"other"};
  route.match.push_back(match);
  vs.http.push_back(route);
  set.virtualServices.push_back(vs);
  crossValidate(set);
  EXPECT_THAT(
      formatted(set),
      ElementsAre("c.yaml: warning: VirtualService default/vs: spec.gateways[2]: Gateway "
                  "istio-system/ingress not found; the rules bound to it are unused",
                  "c.yaml: warning: VirtualService default/vs: spec.http[0].match[0].gateways[0]: "
                  "Gateway default/other not found; the rules bound to it are unused"));
  EXPECT_FALSE(set.diagnostics.hasErrors());
}

TEST(CrossValidatorTest, SubsetDefinedByAMatchingDestinationRule) {
  ConfigSet set;
  set.virtualServices.push_back(routeTo("reviews", "v1"));
  set.virtualServices.push_back(routeTo("reviews.default.svc.cluster.local", "v2"));
  set.virtualServices.push_back(routeTo("api.example.com", "blue"));
  set.destinationRules.push_back(
      ruleWithSubsets("default", "reviews.default.svc.cluster.local", {"v1"}));
  set.destinationRules.push_back(ruleWithSubsets("default", "reviews", {"v2"}));
  set.destinationRules.push_back(ruleWithSubsets("default", "*.example.com", {"blue"}));
  crossValidate(set);
  EXPECT_THAT(set.diagnostics.items(), IsEmpty()) << set.diagnostics.format();
}

TEST(CrossValidatorTest, UndefinedSubsetIsAWarning) {
  ConfigSet set;
  set.virtualServices.push_back(routeTo("reviews", "v3"));
  set.virtualServices.push_back(routeTo("ratings", "v1"));
  set.destinationRules.push_back(ruleWithSubsets("default", "reviews", {"v1", "v2"}));
  set.destinationRules.push_back(ruleWithSubsets("prod", "ratings", {"v1"}));  // other namespace
  crossValidate(set);
  EXPECT_THAT(
      formatted(set),
      ElementsAre(
          "c.yaml: warning: VirtualService default/vs: spec.http[0].route[0].destination.subset: "
          "subset v3 of host reviews is not defined by any DestinationRule for that host; "
          "requests routed to it get 503",
          "c.yaml: warning: VirtualService default/vs: spec.http[0].route[0].destination.subset: "
          "subset v1 of host ratings is not defined by a DestinationRule (none has that "
          "host); requests routed to it get 503"));
}

}  // namespace
}  // namespace portico::config
