#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "portico/config/resource_parsers.h"

namespace portico::config {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct VsFixture {
  Diagnostics diags;
  ResourceContext ctx{"vs.yaml", "VirtualService default/vs", diags};

  VirtualService parse(const std::string& yaml, const std::string& ns = "default") {
    VirtualService vs;
    vs.meta.kind = "VirtualService";
    vs.meta.name = "vs";
    vs.meta.ns = ns;
    NodeReader spec(YAML::Load(yaml), "spec", ctx);
    parseVirtualServiceSpec(spec, vs);
    return vs;
  }
  std::vector<std::string> of(Severity s) const {
    std::vector<std::string> out;
    for (const auto& d : diags.items()) {
      if (d.severity == s) out.push_back(d.format());
    }
    return out;
  }
  std::vector<std::string> errors() const { return of(Severity::kError); }
  std::vector<std::string> warnings() const { return of(Severity::kWarning); }
};

// A gateway-bound VS header; tests append `http:`/`tls:`/`tcp:` blocks.
const std::string kHead = "hosts: [a.example.com]\ngateways: [gw]\n";

std::string err(int line, int col, const std::string& field, const std::string& msg) {
  return "vs.yaml:" + std::to_string(line) + ":" + std::to_string(col) +
         ": VirtualService default/vs: " + field + ": " + msg;
}
std::string warn(int line, int col, const std::string& field, const std::string& msg) {
  return "vs.yaml:" + std::to_string(line) + ":" + std::to_string(col) +
         ": warning: VirtualService default/vs: " + field + ": " + msg;
}

// ---- Top level -------------------------------------------------------------------------

TEST(VirtualServiceParserTest, Rule18NoRoutes) {
  VsFixture f;
  f.parse(kHead);
  EXPECT_THAT(f.errors(),
              Contains(err(1, 1, "spec", "http, tcp or tls must be provided in virtual service")));
}

TEST(VirtualServiceParserTest, Rule19OverlappingHosts) {
  VsFixture f;
  f.parse(
      "hosts: ['*.foo.com', a.foo.com]\ngateways: [gw]\nhttp:\n- route:\n  - destination: "
      "{host: b}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(1, 22, "spec.hosts[1]",
                                    "duplicate hosts in virtual service: *.foo.com & a.foo.com")}));
}

TEST(VirtualServiceParserTest, Rule20WildcardOnMesh) {
  VsFixture f;
  f.parse("hosts: ['*']\ngateways: [mesh]\nhttp:\n- route:\n  - destination: {host: b}\n");
  EXPECT_THAT(f.errors(),
              Contains(err(1, 9, "spec.hosts[0]",
                           "wildcard host * is not allowed for virtual services bound to the "
                           "mesh gateway")));
}

TEST(VirtualServiceParserTest, Rule21InvalidHostLabel) {
  VsFixture f;
  f.parse(
      "hosts: [a_b.example.com]\ngateways: [gw]\nhttp:\n- route:\n  - destination: {host: b}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(
                            1, 9, "spec.hosts[0]",
                            "domain name \"a_b.example.com\" invalid (label \"a_b\" invalid)")}));
}

TEST(VirtualServiceParserTest, IpHostAllowed) {
  VsFixture f;
  auto vs =
      f.parse("hosts: [10.0.0.1]\ngateways: [gw]\nhttp:\n- route:\n  - destination: {host: b}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(vs.hosts, (std::vector<std::string>{"10.0.0.1"}));
}

TEST(VirtualServiceParserTest, GatewaysNormalised) {
  VsFixture f;
  auto vs = f.parse(R"(hosts: [a.example.com]
gateways: [gw, other/gw2, mesh]
http:
- match:
  - gateways: [pergw]
    uri: {prefix: /a}
  route:
  - destination: {host: b}
)",
                    "shop");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(vs.gateways, (std::vector<std::string>{"shop/gw", "other/gw2", "mesh"}));
  ASSERT_EQ(vs.http.size(), 1u);
  EXPECT_EQ(vs.http[0].match[0].gateways, (std::vector<std::string>{"shop/pergw"}));
}

TEST(VirtualServiceParserTest, NoGatewaysWarnsNotServed) {
  VsFixture f;
  f.parse("hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: b}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(),
            (std::vector<std::string>{warn(1, 1, "spec",
                                           "no gateways: binds only to the mesh, not to this "
                                           "gateway; this VirtualService will not be served (add "
                                           "spec.gateways)")}));
}

TEST(VirtualServiceParserTest, InvalidGatewayName) {
  VsFixture f;
  f.parse(
      "hosts: [a.example.com]\ngateways: [ns/Bad_Name]\nhttp:\n- route:\n  - destination: "
      "{host: b}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(2, 12, "spec.gateways[0]",
                                                      "invalid value for gateway name: "
                                                      "\"Bad_Name\"")}));
}

TEST(VirtualServiceParserTest, ExportToIsMeshOnly) {
  VsFixture f;
  f.parse(kHead + "exportTo: ['.']\nhttp:\n- route:\n  - destination: {host: b}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(
      f.warnings(),
      (std::vector<std::string>{warn(3, 1, "spec.exportTo",
                                     "exportTo is mesh-only (namespace visibility); ignored, every "
                                     "VirtualService bound to this gateway is used")}));
}

TEST(VirtualServiceParserTest, Rule56DelegateVsWithGateways) {
  VsFixture f;
  f.parse("gateways: [gw]\nhttp:\n- route:\n  - destination: {host: b}\n");
  EXPECT_THAT(f.errors(), Contains(err(1, 1, "spec.gateways",
                                       "delegate virtual service must have no gateways "
                                       "specified")));
}

TEST(VirtualServiceParserTest, UnknownFieldWarns) {
  VsFixture f;
  f.parse(kHead + "http:\n- route:\n  - destination: {host: b}\n  websocketUpgrade: true\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(6, 3, "spec.http[0].websocketUpgrade",
                                                         "unknown field, ignored")}));
}

TEST(VirtualServiceParserTest, UnreachableRulesWarn) {
  VsFixture f;
  f.parse(kHead + R"(http:
- route:
  - destination: {host: b}
- name: second
  route:
  - destination: {host: c}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(
                              6, 3, "spec.http[1]",
                              "virtualService rule \"second\" not used (only the last rule can "
                              "have no matches)")}));
}

TEST(VirtualServiceParserTest, DuplicateMatchWarns) {
  VsFixture f;
  f.parse(kHead + R"(http:
- match: [{uri: {prefix: /a}}]
  route: [{destination: {host: b}}]
- match: [{name: again, uri: {prefix: /a}}]
  route: [{destination: {host: c}}]
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_THAT(f.warnings(), Contains(warn(6, 3, "spec.http[1]",
                                          "virtualService rule #1 match \"again\" is not used "
                                          "(duplicate/overlapping match in rule #0)")));
}

TEST(VirtualServiceParserTest, OverlappingPrefixMatchWarns) {
  VsFixture f;
  f.parse(kHead + R"(http:
- match: [{uri: {prefix: /a}}]
  route: [{destination: {host: b}}]
- match: [{uri: {prefix: /ab}}, {uri: {prefix: /b}}]
  route: [{destination: {host: c}}]
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(
                              6, 3, "spec.http[1]",
                              "virtualService rule #1 match #0 of prefix /ab is not used "
                              "(duplicate/overlapping match in rule #0 of prefix /a on #0)")}));
}

TEST(VirtualServiceParserTest, PrefixWithDifferentHeadersDoesNotOverlap) {
  VsFixture f;
  f.parse(kHead + R"(http:
- match: [{uri: {prefix: /a}, headers: {x-v: {exact: "1"}}}]
  route: [{destination: {host: b}}]
- match: [{uri: {prefix: /ab}}]
  route: [{destination: {host: c}}]
)");
  EXPECT_THAT(f.diags.items(), IsEmpty());
}

// ---- HTTP route exclusivity -------------------------------------------------------------

TEST(VirtualServiceParserTest, Rule22NothingToDo) {
  VsFixture f;
  f.parse(kHead + "http:\n- timeout: 1s\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{
                err(4, 3, "spec.http[0]", "HTTP route, redirect or direct_response is required")}));
}

TEST(VirtualServiceParserTest, Rule23RouteAndRedirect) {
  VsFixture f;
  f.parse(kHead + "http:\n- route: [{destination: {host: b}}]\n  redirect: {uri: /x}\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{
                err(4, 3, "spec.http[0]", "HTTP route cannot contain both route and redirect")}));
}

TEST(VirtualServiceParserTest, Rule24RedirectWithRewriteFaultDirectResponse) {
  VsFixture f;
  f.parse(kHead + R"(http:
- redirect: {uri: /x}
  rewrite: {uri: /y}
  fault: {abort: {httpStatus: 500}}
  directResponse: {status: 200}
)");
  EXPECT_THAT(f.errors(), Contains(err(4, 3, "spec.http[0]",
                                       "HTTP route cannot contain both fault and redirect")));
  EXPECT_THAT(f.errors(),
              Contains(err(4, 3, "spec.http[0]",
                           "HTTP route rule cannot contain both rewrite and redirect")));
  EXPECT_THAT(f.errors(),
              Contains(err(4, 3, "spec.http[0]",
                           "HTTP route rule cannot contain both direct_response and redirect")));
}

TEST(VirtualServiceParserTest, Rule25DirectResponseAndRoute) {
  VsFixture f;
  f.parse(kHead + "http:\n- route: [{destination: {host: b}}]\n  directResponse: {status: 200}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{
          err(4, 3, "spec.http[0]", "HTTP route cannot contain both route and direct_response")}));
}

TEST(VirtualServiceParserTest, Rule26MirrorAndMirrors) {
  VsFixture f;
  f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  mirror: {host: m}
  mirrors: [{destination: {host: n}}]
)");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{
                err(4, 3, "spec.http[0]", "HTTP route cannot contain both mirror and mirrors")}));
}

TEST(VirtualServiceParserTest, DelegateAcceptedButWarned) {
  VsFixture f;
  auto vs = f.parse(kHead + "http:\n- delegate: {name: child, namespace: team}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(vs.http[0].delegate, "team/child");
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{
                              warn(4, 3, "spec.http[0].delegate",
                                   "delegate is not implemented by Portico; this route will not be "
                                   "served")}));
}

// ---- Destinations and weights ------------------------------------------------------------

TEST(VirtualServiceParserTest, Rule27NegativeWeight) {
  VsFixture f;
  f.parse(kHead + "http:\n- route:\n  - destination: {host: b}\n    weight: -1\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{err(6, 5, "spec.http[0].route[0].weight", "weight -1 < 0")}));
}

TEST(VirtualServiceParserTest, Rule28TotalWeightZero) {
  VsFixture f;
  f.parse(kHead + R"(http:
- route:
  - {destination: {host: b}, weight: 0}
  - {destination: {host: c}, weight: 0}
)");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(4, 3, "spec.http[0].route", "total destination weight = 0")}));
}

TEST(VirtualServiceParserTest, RelativeWeightsNeedNotSumTo100) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route:
  - {destination: {host: b}, weight: 3}
  - {destination: {host: c}}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  ASSERT_EQ(vs.http[0].route.size(), 2u);
  EXPECT_EQ(vs.http[0].route[0].weight, 3);
  EXPECT_TRUE(vs.http[0].route[0].weightSet);
  EXPECT_FALSE(vs.http[0].route[1].weightSet);
}

TEST(VirtualServiceParserTest, Rule55DestinationHostAndSubset) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route:\n  - destination: {host: '*', subset: V_1, port: {number: 0}}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{
          err(5, 19, "spec.http[0].route[0].destination.host", "invalid destination host *"),
          err(5, 30, "spec.http[0].route[0].destination.subset", "subset name is invalid: V_1"),
          err(5, 49, "spec.http[0].route[0].destination.port",
              "port number 0 must be in the range 1..65535")}));
}

// ---- Header operations -------------------------------------------------------------------

TEST(VirtualServiceParserTest, HeaderOperationsParsedInOrderAndLowerCased) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route:
  - destination: {host: b}
    headers:
      response: {set: {X-Dest: d}}
  headers:
    request:
      set: {X-B: "1", X-A: "100%%"}
      add: {X-Forwarded-Proto: https, ":authority": new.example.com}
      remove: [X-Remove]
    response:
      add: {X-Time: "%START_TIME%"}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  const auto& h = vs.http[0].headers;
  EXPECT_EQ(h.request.set,
            (std::vector<std::pair<std::string, std::string>>{{"x-b", "1"}, {"x-a", "100%%"}}));
  EXPECT_EQ(h.request.add, (std::vector<std::pair<std::string, std::string>>{
                               {"x-forwarded-proto", "https"}, {":authority", "new.example.com"}}));
  EXPECT_EQ(h.request.remove, (std::vector<std::string>{"x-remove"}));
  EXPECT_EQ(h.response.add.size(), 1u);
  EXPECT_EQ(vs.http[0].route[0].headers.response.set[0].first, "x-dest");
}

TEST(VirtualServiceParserTest, Rule33PseudoAndHostHeaderOperations) {
  VsFixture f;
  f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  headers:
    request:
      set: {":path": /x}
      remove: [host]
    response:
      set: {Host: h}
)");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(7, 22, "spec.http[0].headers.request.set.:path",
                                "invalid header \":path\": header cannot have \":\" prefix"),
                            err(8, 16, "spec.http[0].headers.request.remove[0]",
                                "invalid header \"host\": cannot set Host header"),
                            err(10, 19, "spec.http[0].headers.response.set.Host",
                                "invalid header \"Host\": cannot set Host header")}));
}

TEST(VirtualServiceParserTest, HeaderValueLonePercentRejected) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  headers: {request: {set: {x-a: "
          "\"50%\"}}}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(5, 34, "spec.http[0].headers.request.set.x-a",
                                    "header value configuration: invalid header configuration. "
                                    "Un-escaped %")}));
}

TEST(VirtualServiceParserTest, HeaderValueUnterminatedVariable) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  headers: {request: {set: {x-a: "
          "\"abc%123\"}}}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(5, 34, "spec.http[0].headers.request.set.x-a",
                                    "header value configuration: invalid header configuration. "
                                    "Un-terminated variable expression 'abc%123'")}));
}

TEST(VirtualServiceParserTest, Rule34AuthoritySetTwice) {
  VsFixture f;
  f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  rewrite: {authority: one.example.com}
  headers: {request: {set: {host: two.example.com}}}
)");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(6, 3, "spec.http[0].headers",
                                "authority header cannot be set multiple times: have "
                                "\"one.example.com\", attempting to set \"two.example.com\"")}));
}

// ---- Fault ---------------------------------------------------------------------------------

TEST(VirtualServiceParserTest, FaultParsed) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  fault:
    delay: {fixedDelay: 7s, percentage: {value: 10.5}}
    abort: {httpStatus: 503, percentage: {value: 100}}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  const auto& fault = vs.http[0].fault;
  ASSERT_TRUE(fault && fault->delay && fault->abort);
  EXPECT_EQ(fault->delay->fixedDelay, Duration(7000));
  EXPECT_DOUBLE_EQ(fault->delay->percentage, 10.5);
  EXPECT_EQ(fault->abort->httpStatus, 503);
  EXPECT_DOUBLE_EQ(fault->abort->percentage, 100);
}

TEST(VirtualServiceParserTest, Rule35FaultNeedsDelayOrAbort) {
  VsFixture f;
  f.parse(kHead + "http:\n- route: [{destination: {host: b}}]\n  fault: {}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(5, 10, "spec.http[0].fault",
                                    "HTTP fault injection must have an abort and/or a delay")}));
}

TEST(VirtualServiceParserTest, Rule36FaultPercentageRange) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  fault: {delay: {fixedDelay: 1s, "
          "percentage: {value: 150}}}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(5, 35, "spec.http[0].fault.delay.percentage",
                                "percentage 150 is neither 0.0, nor in range [0.0001, 100.0]")}));
}

TEST(VirtualServiceParserTest, Rule36TinyPercentageFormattedLikeGo) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  fault: {abort: {httpStatus: 500, "
          "percentage: {value: 0.00001}}}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(5, 36, "spec.http[0].fault.abort.percentage",
                                "percentage 1e-05 is neither 0.0, nor in range [0.0001, 100.0]")}));
}

TEST(VirtualServiceParserTest, DeprecatedPercentAccepted) {
  VsFixture f;
  auto vs = f.parse(kHead +
                    "http:\n- route: [{destination: {host: b}}]\n  fault: {delay: "
                    "{fixedDelay: 2s, percent: 100}}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_THAT(f.warnings(), IsEmpty());
  EXPECT_DOUBLE_EQ(vs.http[0].fault->delay->percentage, 100);
}

TEST(VirtualServiceParserTest, Rule37AbortStatusRange) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  fault: {abort: {httpStatus: 700}}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(5, 19, "spec.http[0].fault.abort.httpStatus",
                                                      "HTTP status 700 is not in range 200-599")}));
}

TEST(VirtualServiceParserTest, Rule38GrpcStatus) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  fault: {abort: {grpcStatus: \"14\"}}\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{
                err(5, 19, "spec.http[0].fault.abort.grpcStatus",
                    "gRPC status \"14\" is not supported. See "
                    "https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of "
                    "supported codes, for example 'NOT_FOUND'")}));
}

TEST(VirtualServiceParserTest, ExponentialDelayAndHttp2ErrorRejected) {
  VsFixture f;
  f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  fault:
    delay: {exponentialDelay: 1s}
    abort: {http2Error: REFUSED_STREAM}
)");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{err(6, 13, "spec.http[0].fault.delay.exponentialDelay",
                                          "exponentialDelay not supported yet"),
                                      err(7, 13, "spec.http[0].fault.abort.http2Error",
                                          "HTTP/2 abort fault injection not supported yet")}));
}

TEST(VirtualServiceParserTest, AbortWithoutErrorTypeWarnsAndIsDropped) {
  VsFixture f;
  auto vs = f.parse(kHead +
                    "http:\n- route: [{destination: {host: b}}]\n  fault: {abort: "
                    "{percentage: {value: 5}}}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(5, 11, "spec.http[0].fault.abort",
                                                         "abort configured, but error type not "
                                                         "set")}));
  ASSERT_TRUE(vs.http[0].fault);
  EXPECT_FALSE(vs.http[0].fault->abort);
}

// ---- Durations and retries -------------------------------------------------------------

TEST(VirtualServiceParserTest, Rule39TimeoutPrecision) {
  VsFixture f;
  auto vs = f.parse(kHead + "http:\n- route: [{destination: {host: b}}]\n  timeout: 1.0005s\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(5, 3, "spec.http[0].timeout",
                                                      "only durations to ms precision are "
                                                      "supported")}));
}

TEST(VirtualServiceParserTest, RetriesParsed) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  timeout: 10s
  retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,503", retryIgnorePreviousHosts: false, backoff: 50ms}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(vs.http[0].timeout, Duration(10000));
  const auto& r = vs.http[0].retries;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(r->perTryTimeout, Duration(2000));
  EXPECT_EQ(r->retryOn, "gateway-error,connect-failure,503");
  EXPECT_EQ(r->retryIgnorePreviousHosts, false);
  EXPECT_EQ(r->backoff, Duration(50));
}

TEST(VirtualServiceParserTest, Rule40NegativeAttempts) {
  VsFixture f;
  f.parse(kHead + "http:\n- route: [{destination: {host: b}}]\n  retries: {attempts: -1}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(5, 13, "spec.http[0].retries.attempts",
                                                      "attempts cannot be negative")}));
}

TEST(VirtualServiceParserTest, Rule41ZeroAttemptsWithPolicy) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  retries: {attempts: 0, retryOn: 5xx}\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{
                err(5, 12, "spec.http[0].retries",
                    "http retry policy configured when attempts are set to 0 (disabled)")}));
}

TEST(VirtualServiceParserTest, Rule42UnknownRetryOn) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  retries: {attempts: 2, retryOn: "
          "\"5xx,bogus,999\"}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{
          err(5, 26, "spec.http[0].retries.retryOn", "\"bogus\" is not a valid retryOn policy"),
          err(5, 26, "spec.http[0].retries.retryOn", "\"999\" is not a valid retryOn policy")}));
}

// ---- Redirect ------------------------------------------------------------------------------

TEST(VirtualServiceParserTest, RedirectParsedWithDefaults) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- redirect: {uri: /new, authority: b.example.com, scheme: https, derivePort: FROM_REQUEST_PORT}
- match: [{uri: {prefix: /old}}]
  redirect: {prefixRewrite: /new, redirectCode: 308, port: 8443}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  const auto& r0 = vs.http[0].redirect;
  ASSERT_TRUE(r0);
  EXPECT_EQ(r0->uri, "/new");
  EXPECT_EQ(r0->authority, "b.example.com");
  EXPECT_EQ(r0->scheme, "https");
  EXPECT_EQ(r0->derivePort, HttpRedirect::DerivePort::kFromRequestPort);
  EXPECT_EQ(r0->redirectCode, 301u);
  const auto& r1 = vs.http[1].redirect;
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->prefixRewrite, "/new");
  EXPECT_EQ(r1->redirectCode, 308u);
  EXPECT_EQ(r1->port, 8443u);
}

TEST(VirtualServiceParserTest, Rule43RedirectUriAndPrefixRewrite) {
  VsFixture f;
  f.parse(kHead + "http:\n- redirect: {uri: /a, prefixRewrite: /b}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(4, 13, "spec.http[0].redirect",
                                    "redirect may only specify one of uri or prefix_rewrite")}));
}

TEST(VirtualServiceParserTest, Rule44PrefixRewriteNeedsPrefixMatches) {
  VsFixture f;
  f.parse(kHead + "http:\n- match: [{uri: {exact: /a}}]\n  redirect: {prefixRewrite: /b}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(
                            5, 14, "spec.http[0].redirect.prefixRewrite",
                            "redirect prefix_rewrite requires all URI matches to use prefix match "
                            "type")}));
}

TEST(VirtualServiceParserTest, Rule45EmptyRedirect) {
  VsFixture f;
  f.parse(kHead + "http:\n- redirect: {redirectCode: 302}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(4, 13, "spec.http[0].redirect",
                                    "redirect must specify URI, authority, scheme, or port")}));
}

TEST(VirtualServiceParserTest, Rule46RedirectCode) {
  VsFixture f;
  f.parse(kHead + "http:\n- redirect: {uri: /a, redirectCode: 200}\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{err(4, 23, "spec.http[0].redirect.redirectCode",
                                          "200 is not a valid redirect code, must be 3xx")}));
}

TEST(VirtualServiceParserTest, UnsupportedRedirectCodeWarns) {
  VsFixture f;
  f.parse(kHead + "http:\n- redirect: {uri: /a, redirectCode: 305}\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(
                              4, 23, "spec.http[0].redirect.redirectCode",
                              "redirect code 305 is not supported (301, 302, 303, 307, 308 are); "
                              "the route is dropped, as Istio does")}));
}

TEST(VirtualServiceParserTest, Rule47RedirectScheme) {
  VsFixture f;
  f.parse(kHead + "http:\n- redirect: {scheme: ftp}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(4, 14, "spec.http[0].redirect.scheme",
                                    "invalid redirect scheme, must be \"http\" or \"https\"")}));
}

TEST(VirtualServiceParserTest, RedirectPortAndDerivePortExclusive) {
  VsFixture f;
  f.parse(kHead + "http:\n- redirect: {port: 80, derivePort: FROM_PROTOCOL_DEFAULT}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(4, 13, "spec.http[0].redirect",
                                                      "only one of port or derivePort may be "
                                                      "set")}));
}

// ---- Rewrite -------------------------------------------------------------------------------

TEST(VirtualServiceParserTest, Rule48RewriteUriAndRegex) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  rewrite: {uri: /a, "
          "uriRegexRewrite: {match: a, rewrite: b}}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(5, 12, "spec.http[0].rewrite",
                                    "rewrite may only contain one of URI or UriRegexRewrite")}));
}

TEST(VirtualServiceParserTest, Rule48EmptyRewrite) {
  VsFixture f;
  f.parse(kHead + "http:\n- route: [{destination: {host: b}}]\n  rewrite: {uri: \"\"}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(
                            5, 12, "spec.http[0].rewrite",
                            "rewrite must specify at least one of URI, UriRegexRewrite, or "
                            "authority. Only one of URI or UriRegexRewrite may be specified")}));
}

TEST(VirtualServiceParserTest, Rule49RegexRewriteNeedsBoth) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  rewrite: {uriRegexRewrite: "
          "{match: a}}\n");
  EXPECT_EQ(
      f.errors(),
      (std::vector<std::string>{err(5, 30, "spec.http[0].rewrite.uriRegexRewrite",
                                    "UriRegexRewrite requires both Rewrite and Match fields to be "
                                    "specified")}));
}

TEST(VirtualServiceParserTest, RegexRewriteInvalidRegex) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  rewrite: {uriRegexRewrite: "
          "{match: \"a(\", rewrite: b}}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(
                            5, 31, "spec.http[0].rewrite.uriRegexRewrite.match",
                            "\"a(\": invalid RE2: missing ): a(; Istio uses RE2 style regex-based "
                            "match (https://github.com/google/re2/wiki/Syntax)")}));
}

TEST(VirtualServiceParserTest, RewriteParsed) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  rewrite:
    authority: up.example.com
    uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "/customprefix/\\2/\\1"}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  const auto& rw = vs.http[0].rewrite;
  ASSERT_TRUE(rw && rw->uriRegexRewrite);
  EXPECT_EQ(rw->authority, "up.example.com");
  EXPECT_EQ(rw->uriRegexRewrite->match, "^/service/([^/]+)(/.*)$");
  EXPECT_EQ(rw->uriRegexRewrite->rewrite, "/customprefix/\\2/\\1");
  EXPECT_FALSE(rw->uri);
}

TEST(VirtualServiceParserTest, PrefixRewriteDoubleSlashWarning) {
  VsFixture f;
  f.parse(kHead + R"(http:
- match: [{uri: {prefix: /products}}]
  rewrite: {uri: /}
  route: [{destination: {host: b}}]
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(),
            (std::vector<std::string>{warn(
                5, 13, "spec.http[0].rewrite.uri",
                "rewrite.uri \"/\" with prefix match \"/products\" turns \"/products/42\" into "
                "\"//42\" (only the matched prefix is replaced, as Envoy's prefix_rewrite does); "
                "use prefix \"/products/\" with rewrite.uri \"/\", or uriRegexRewrite match "
                "\"^/products/?(.*)\" rewrite \"/\\\\1\"")}));
}

TEST(VirtualServiceParserTest, PrefixRewriteWithTrailingSlashPrefixIsQuiet) {
  VsFixture f;
  f.parse(kHead + R"(http:
- match: [{uri: {prefix: /products/}}]
  rewrite: {uri: /}
  route: [{destination: {host: b}}]
)");
  EXPECT_THAT(f.diags.items(), IsEmpty());
}

// ---- Direct response ------------------------------------------------------------------------

TEST(VirtualServiceParserTest, DirectResponseParsed) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- match: [{uri: {exact: /a}}]
  directResponse: {status: 503, body: {string: "down"}}
- directResponse: {status: 200, body: {bytes: "aGVsbG8="}}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(vs.http[0].directResponse->status, 503u);
  EXPECT_EQ(vs.http[0].directResponse->body, "down");
  EXPECT_EQ(vs.http[1].directResponse->body, "hello");
}

TEST(VirtualServiceParserTest, Rule37DirectResponseStatus) {
  VsFixture f;
  f.parse(kHead + "http:\n- directResponse: {status: 100}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(4, 20, "spec.http[0].directResponse.status",
                                                      "HTTP status 100 is not in range 200-599")}));
}

TEST(VirtualServiceParserTest, Rule50DirectResponseBodySize) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- match: [{uri: {exact: /a}}]\n  directResponse: {status: 200, body: "
          "{string: \"" +
          std::string(1024 * 1024 + 1, 'x') + "\"}}\n" +
          "- directResponse: {status: 200, body: {string: \"" + std::string(100 * 1024 + 1, 'y') +
          "\"}}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(5, 33, "spec.http[0].directResponse.body",
                                "large direct_responses may impact control plane performance, must "
                                "be less than 1MB")}));
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(
                              6, 33, "spec.http[1].directResponse.body",
                              "large direct_responses may impact control plane performance")}));
}

TEST(VirtualServiceParserTest, DirectResponseBadBase64) {
  VsFixture f;
  f.parse(kHead + "http:\n- directResponse: {status: 200, body: {bytes: \"!!!\"}}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(
                            4, 40, "spec.http[0].directResponse.body.bytes", "invalid base64")}));
}

// ---- Mirrors -------------------------------------------------------------------------------

TEST(VirtualServiceParserTest, MirrorAndPercentageFolded) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  mirror: {host: shadow, subset: v2}
  mirrorPercentage: {value: 25.5}
- route: [{destination: {host: b}}]
  mirrors:
  - destination: {host: m1}
  - destination: {host: m2}
    percentage: {value: 10}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  ASSERT_EQ(vs.http[0].mirrors.size(), 1u);
  EXPECT_EQ(vs.http[0].mirrors[0].destination.host, "shadow");
  EXPECT_EQ(vs.http[0].mirrors[0].destination.subset, "v2");
  EXPECT_DOUBLE_EQ(vs.http[0].mirrors[0].percentage, 25.5);
  ASSERT_EQ(vs.http[1].mirrors.size(), 2u);
  EXPECT_DOUBLE_EQ(vs.http[1].mirrors[0].percentage, 100);
  EXPECT_DOUBLE_EQ(vs.http[1].mirrors[1].percentage, 10);
}

TEST(VirtualServiceParserTest, DeprecatedMirrorPercentAccepted) {
  VsFixture f;
  auto vs = f.parse(kHead +
                    "http:\n- route: [{destination: {host: b}}]\n  mirror: {host: s}\n"
                    "  mirror_percent: 50\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(),
            (std::vector<std::string>{warn(6, 3, "spec.http[0].mirrorPercent",
                                           "using deprecated setting \"mirrorPercent\", use "
                                           "\"mirrorPercentage\" instead")}));
  EXPECT_DOUBLE_EQ(vs.http[0].mirrors[0].percentage, 50);
}

TEST(VirtualServiceParserTest, Rule36MirrorPercentageMax) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  mirror: {host: s}\n"
          "  mirrorPercentage: {value: 101}\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{err(6, 3, "spec.http[0].mirrorPercentage",
                                          "mirror_percentage must have a max value of 100 (it has "
                                          "101.000000)")}));
}

// ---- CORS ----------------------------------------------------------------------------------

TEST(VirtualServiceParserTest, CorsParsedWithDeprecatedAllowOrigin) {
  VsFixture f;
  auto vs = f.parse(kHead + R"(http:
- route: [{destination: {host: b}}]
  corsPolicy:
    allowOrigins: [{regex: "https://.*\\.example\\.com"}]
    allowOrigin: [https://old.example.com]
    allowMethods: [GET, POST]
    allowHeaders: [content-type]
    exposeHeaders: [x-custom]
    maxAge: 24h
    allowCredentials: true
    unmatchedPreflights: IGNORE
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(f.warnings(),
            (std::vector<std::string>{warn(7, 5, "spec.http[0].corsPolicy.allowOrigin",
                                           "allowOrigin is deprecated; use "
                                           "allowOrigins")}));
  const auto& c = vs.http[0].corsPolicy;
  ASSERT_TRUE(c);
  ASSERT_EQ(c->allowOrigins.size(), 2u);
  EXPECT_EQ(c->allowOrigins[0].kind, StringMatch::Kind::kRegex);
  EXPECT_EQ(c->allowOrigins[1].kind, StringMatch::Kind::kExact);
  EXPECT_EQ(c->allowOrigins[1].value, "https://old.example.com");
  EXPECT_EQ(c->allowMethods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(c->maxAge, Duration(24 * 3600 * 1000));
  EXPECT_EQ(c->allowCredentials, true);
  EXPECT_EQ(c->unmatchedPreflights, CorsPolicy::UnmatchedPreflights::kIgnore);
}

TEST(VirtualServiceParserTest, Rule51CorsMethodAndMaxAge) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- route: [{destination: {host: b}}]\n  corsPolicy: {allowMethods: "
          "[get], maxAge: 1500ms}\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(5, 31, "spec.http[0].corsPolicy.allowMethods[0]",
                                "\"get\" is not a supported HTTP method"),
                            err(5, 37, "spec.http[0].corsPolicy.maxAge",
                                "max_age duration is accurate only to seconds precision")}));
}

// ---- TLS / TCP -----------------------------------------------------------------------------

TEST(VirtualServiceParserTest, TlsRouteParsed) {
  VsFixture f;
  auto vs = f.parse(R"(hosts: ['*.example.com']
gateways: [gw]
tls:
- match:
  - sni_hosts: [a.example.com]
    port: 443
    destinationSubnets: [10.0.0.0/8]
  route:
  - destination: {host: backend, port: {number: 8443}}
)");
  EXPECT_THAT(f.errors(), IsEmpty());
  ASSERT_EQ(vs.tls.size(), 1u);
  EXPECT_EQ(vs.tls[0].path, "spec.tls[0]");
  EXPECT_EQ(vs.tls[0].match[0].sniHosts, (std::vector<std::string>{"a.example.com"}));
  EXPECT_EQ(vs.tls[0].match[0].port, 443u);
  EXPECT_EQ(vs.tls[0].route[0].destination.port, 8443u);
}

TEST(VirtualServiceParserTest, Rule52TlsRouteRequirements) {
  VsFixture f;
  f.parse(kHead +
          "tls:\n- route: []\n- match: [{port: 443}]\n  route: [{destination: {host: b}}]\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{
                err(4, 3, "spec.tls[0]", "TLS route must have at least one match condition"),
                err(4, 3, "spec.tls[0]", "TLS route is required"),
                err(5, 11, "spec.tls[1].match[0]", "TLS match must have at least one SNI host")}));
}

TEST(VirtualServiceParserTest, Rule53SniOutsideHosts) {
  VsFixture f;
  f.parse(kHead +
          "tls:\n- match: [{sniHosts: [b.other.com]}]\n  route: [{destination: {host: b}}]\n");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{
                            err(4, 23, "spec.tls[0].match[0].sniHosts[0]",
                                "SNI host \"b.other.com\" is not a compatible subset of any of the "
                                "virtual service hosts: [a.example.com]")}));
}

TEST(VirtualServiceParserTest, Rule54TcpRouteRequired) {
  VsFixture f;
  f.parse(kHead + "tcp:\n- match: [{port: 31400}]\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{err(4, 3, "spec.tcp[0]", "TCP route is required")}));
}

TEST(VirtualServiceParserTest, TcpInvalidSubnetAndMeshOnlyField) {
  VsFixture f;
  f.parse(kHead +
          "tcp:\n- match: [{destinationSubnets: [300.0.0.0/8], sourceSubnet: 1.2.3.4}]\n"
          "  route: [{destination: {host: b}}]\n");
  EXPECT_EQ(f.errors(),
            (std::vector<std::string>{err(4, 33, "spec.tcp[0].match[0].destinationSubnets[0]",
                                          "\"300.0.0.0/8\" is not a valid CIDR range")}));
  EXPECT_EQ(f.warnings(), (std::vector<std::string>{warn(
                              4, 47, "spec.tcp[0].match[0].sourceSubnet",
                              "sourceSubnet is mesh-only (it selects client sidecar workloads); "
                              "ignored")}));
}

// ---- Match errors reach the right path ----------------------------------------------------

TEST(VirtualServiceParserTest, MatchRegexErrorPath) {
  VsFixture f;
  f.parse(kHead + R"(http:
- match:
  - uri: {prefix: /ok}
  - uri: {regex: "(("}
  route: [{destination: {host: b}}]
)");
  EXPECT_EQ(f.errors(), (std::vector<std::string>{err(
                            6, 11, "spec.http[0].match[1].uri.regex",
                            "\"((\": invalid RE2: missing ): ((; Istio uses RE2 style regex-based "
                            "match (https://github.com/google/re2/wiki/Syntax)")}));
}

TEST(VirtualServiceParserTest, MeshOnlyMatchFieldWarns) {
  VsFixture f;
  f.parse(kHead +
          "http:\n- match: [{sourceNamespace: x, uri: {prefix: /}}]\n  route: "
          "[{destination: {host: b}}]\n");
  EXPECT_THAT(f.errors(), IsEmpty());
  EXPECT_EQ(
      f.warnings(),
      (std::vector<std::string>{warn(4, 12, "spec.http[0].match[0].sourceNamespace",
                                     "sourceNamespace is mesh-only (it selects client sidecar "
                                     "workloads); ignored")}));
}

// ---- Seed and conformance corpus -----------------------------------------------------------

std::string shared(const std::string& rel) { return std::string(PORTICO_SHARED_DIR) + "/" + rel; }

// The seed is prose with YAML documents embedded; each starts at "apiVersion:" and ends at the
// first unindented line that is not a YAML key.
std::vector<YAML::Node> seedDocuments() {
  std::vector<YAML::Node> docs;
  for (const auto& entry : std::filesystem::directory_iterator(shared("seed"))) {
    std::ifstream in(entry.path());
    std::string line;
    std::string block;
    bool inBlock = false;
    auto flush = [&] {
      if (!block.empty()) docs.push_back(YAML::Load(block));
      block.clear();
      inBlock = false;
    };
    while (std::getline(in, line)) {
      bool key =
          !line.empty() && line.find(':') != std::string::npos && line.find(' ') > line.find(':');
      if (line.rfind("apiVersion:", 0) == 0) {
        flush();
        inBlock = true;
      } else if (inBlock && !line.empty() && line[0] != ' ' && line[0] != '-' && !key) {
        flush();
      }
      if (inBlock) block += line + "\n";
    }
    flush();
  }
  return docs;
}

std::vector<VirtualService> parseVirtualServices(const std::vector<YAML::Node>& docs,
                                                 VsFixture& f) {
  std::vector<VirtualService> out;
  for (const auto& doc : docs) {
    if (!doc.IsMap() || !doc["kind"] || doc["kind"].as<std::string>() != "VirtualService") {
      continue;
    }
    VirtualService vs;
    vs.meta.kind = "VirtualService";
    vs.meta.name = doc["metadata"]["name"].as<std::string>();
    vs.meta.ns =
        doc["metadata"]["namespace"] ? doc["metadata"]["namespace"].as<std::string>() : "default";
    NodeReader spec(doc["spec"], "spec", f.ctx);
    parseVirtualServiceSpec(spec, vs);
    out.push_back(std::move(vs));
  }
  return out;
}

TEST(VirtualServiceCorpusTest, SeedVirtualServices) {
  VsFixture f;
  auto vss = parseVirtualServices(seedDocuments(), f);
  ASSERT_EQ(vss.size(), 3u);
  EXPECT_THAT(f.errors(), IsEmpty());

  // 1: prefix route.
  const auto& prefix = vss[0];
  EXPECT_EQ(prefix.hosts, (std::vector<std::string>{"*"}));
  EXPECT_EQ(prefix.gateways, (std::vector<std::string>{"default/product-gateway"}));
  ASSERT_EQ(prefix.http.size(), 1u);
  EXPECT_EQ(prefix.http[0].match[0].uri->kind, StringMatch::Kind::kPrefix);
  EXPECT_EQ(prefix.http[0].match[0].uri->value, "/products");
  EXPECT_EQ(prefix.http[0].route[0].destination.host, "product-service.default.svc.cluster.local");
  EXPECT_EQ(prefix.http[0].route[0].destination.port, 8080u);

  // 2: rewrite + header add; the rewrite gets the double-slash warning.
  const auto& rewrite = vss[1];
  ASSERT_TRUE(rewrite.http[0].rewrite);
  EXPECT_EQ(rewrite.http[0].rewrite->uri, "/");
  EXPECT_EQ(rewrite.http[0].headers.request.add,
            (std::vector<std::pair<std::string, std::string>>{{"x-forwarded-proto", "https"}}));
  EXPECT_THAT(f.warnings(), Contains(HasSubstr("spec.http[0].rewrite.uri: rewrite.uri \"/\" with "
                                               "prefix match \"/products\" turns")));
  EXPECT_EQ(f.warnings().size(), 1u);

  // 3: 90/10 split.
  const auto& split = vss[2];
  ASSERT_EQ(split.http[0].route.size(), 2u);
  EXPECT_EQ(split.http[0].route[0].weight, 90);
  EXPECT_EQ(split.http[0].route[1].weight, 10);
  EXPECT_EQ(split.http[0].route[1].destination.host,
            "product-service-v2.default.svc.cluster.local");
}

TEST(VirtualServiceCorpusTest, ConformanceFilesParseWithoutErrors) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shared("conformance/istio"))) {
    if (entry.path().extension() != ".yaml") continue;
    std::string name = entry.path().filename().string();
    if (name.rfind("crdvalidation-", 0) == 0) continue;  // negative samples
    VsFixture f;
    auto vss = parseVirtualServices(YAML::LoadAllFromFile(entry.path().string()), f);
    count += vss.size();
    EXPECT_THAT(f.errors(), IsEmpty()) << name;
  }
  EXPECT_GE(count, 40u);
}

std::vector<VirtualService> loadFile(const std::string& name, VsFixture& f) {
  return parseVirtualServices(YAML::LoadAllFromFile(shared("conformance/istio/" + name)), f);
}

TEST(VirtualServiceCorpusTest, WebsocketUpgradeIsUnknownField) {
  VsFixture f;
  loadFile("testdata-rule-websocket-route.yaml", f);
  EXPECT_THAT(f.warnings(), Contains(HasSubstr("spec.http[0].websocketUpgrade: unknown field, "
                                               "ignored")));
}

TEST(VirtualServiceCorpusTest, VirtualServiceAllValues) {
  VsFixture f;
  auto vss = loadFile("testdata-virtual-service-all.yaml", f);
  ASSERT_EQ(vss.size(), 1u);
  const auto& vs = vss[0];
  EXPECT_EQ(vs.gateways, (std::vector<std::string>{"testns/my-gateway", "mesh"}));
  ASSERT_EQ(vs.http.size(), 2u);
  EXPECT_EQ(vs.http[0].match[0].headers[0].first, "cookie");
  EXPECT_EQ(vs.http[0].match[0].headers[0].second.kind, StringMatch::Kind::kRegex);
  EXPECT_EQ(vs.http[1].route[0].weight, 80);
  EXPECT_EQ(vs.http[1].route[0].destination.subset, "v1");
  EXPECT_EQ(vs.http[1].route[0].destination.port, 81u);
  EXPECT_EQ(vs.http[1].route[1].weight, 20);
}

TEST(VirtualServiceCorpusTest, SniPassthroughAndTcp) {
  VsFixture f;
  auto sni = loadFile("istioio-sni-passthrough-vs.yaml", f);
  ASSERT_EQ(sni.size(), 1u);
  EXPECT_EQ(sni[0].tls[0].match[0].sniHosts, (std::vector<std::string>{"nginx.example.com"}));
  EXPECT_EQ(sni[0].tls[0].match[0].port, 443u);
  auto tcp = loadFile("tcp-echo-20-v2.yaml", f);
  ASSERT_EQ(tcp.size(), 1u);
  EXPECT_EQ(tcp[0].tcp[0].match[0].port, 31400u);
  EXPECT_EQ(tcp[0].tcp[0].route[1].weight, 20);
  EXPECT_THAT(f.errors(), IsEmpty());
}

TEST(VirtualServiceCorpusTest, FaultAndMirrorSamples) {
  VsFixture f;
  auto delay = loadFile("istioio-request-timeouts-ratings-delay.yaml", f);
  EXPECT_EQ(delay[0].http[0].fault->delay->fixedDelay, Duration(2000));
  EXPECT_DOUBLE_EQ(delay[0].http[0].fault->delay->percentage, 100);
  auto abort = loadFile("fault-injection-details-v1.yaml", f);
  EXPECT_EQ(abort[0].http[0].fault->abort->httpStatus, 555);
  auto mirror = loadFile("istioio-mirroring-httpbin-vs.yaml", f);
  ASSERT_EQ(mirror[0].http[0].mirrors.size(), 1u);
  EXPECT_EQ(mirror[0].http[0].mirrors[0].destination.subset, "v2");
  auto timeout = loadFile("istioio-request-timeouts-reviews-timeout.yaml", f);
  EXPECT_EQ(timeout[0].http[0].timeout, Duration(500));
  auto cors = loadFile("testdata-rule-default-route-cors-policy.yaml", f);
  EXPECT_EQ(cors[0].http[0].corsPolicy->maxAge, Duration(300000));
  EXPECT_THAT(f.errors(), IsEmpty());
  // details: the second rule follows a catch-all.
  EXPECT_THAT(f.warnings(),
              Contains(HasSubstr("virtualService rule #1 not used (only the last rule can have no "
                                 "matches)")));
}

}  // namespace
}  // namespace portico::config
