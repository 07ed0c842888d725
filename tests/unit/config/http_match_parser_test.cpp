#include <gtest/gtest.h>

#include <string>

#include "portico/config/resource_parsers.h"

namespace portico::config {
namespace {

struct MatchFixture {
  Diagnostics diags;
  ResourceContext ctx{"vs.yaml", "VirtualService default/vs", diags};

  HttpMatchRequest parse(const std::string& yaml) {
    NodeReader r(YAML::Load(yaml), "spec.http[0].match[0]", ctx);
    HttpMatchRequest out;
    parseHttpMatchRequest(r, out);
    return out;
  }
  std::string only() const {
    EXPECT_EQ(diags.items().size(), 1u) << diags.format();
    return diags.items().empty() ? "" : diags.items()[0].format();
  }
};

TEST(HttpMatchParserTest, ParsesEveryField) {
  MatchFixture f;
  auto m = f.parse(R"(
name: m1
uri: {prefix: /api}
scheme: {exact: https}
method: {exact: GET}
authority: {regex: "a.*\\.example\\.com"}
headers:
  X-User: {exact: jason}
  x-present: {}
  x-star: {regex: "*"}
  ":method": {exact: GET}
withoutHeaders:
  x-debug: {exact: "1"}
queryParams:
  q: {exact: ""}
ignoreUriCase: true
port: 8080
gateways: [gw, other/gw2]
statPrefix: api
)");
  EXPECT_EQ(f.diags.items().size(), 0u) << f.diags.format();
  EXPECT_EQ(m.name, "m1");
  ASSERT_TRUE(m.uri);
  EXPECT_EQ(m.uri->kind, StringMatch::Kind::kPrefix);
  EXPECT_EQ(m.uri->value, "/api");
  EXPECT_EQ(m.scheme->value, "https");
  EXPECT_EQ(m.method->kind, StringMatch::Kind::kExact);
  EXPECT_EQ(m.authority->kind, StringMatch::Kind::kRegex);
  ASSERT_EQ(m.headers.size(), 4u);
  EXPECT_EQ(m.headers[0].first, "x-user");
  EXPECT_EQ(m.headers[0].second.value, "jason");
  EXPECT_EQ(m.headers[1].second.kind, StringMatch::Kind::kPresence);
  EXPECT_EQ(m.headers[2].second.kind, StringMatch::Kind::kPresence);
  EXPECT_EQ(m.headers[3].first, ":method");
  ASSERT_EQ(m.withoutHeaders.size(), 1u);
  EXPECT_EQ(m.withoutHeaders[0].first, "x-debug");
  ASSERT_EQ(m.queryParams.size(), 1u);
  EXPECT_EQ(m.queryParams[0].second.kind, StringMatch::Kind::kExact);
  EXPECT_EQ(m.queryParams[0].second.value, "");
  EXPECT_TRUE(m.ignoreUriCase);
  EXPECT_EQ(m.port, 8080u);
  EXPECT_EQ(m.gateways, (std::vector<std::string>{"gw", "other/gw2"}));
  EXPECT_EQ(m.statPrefix, "api");
  EXPECT_EQ(m.mark.line, 2);
}

TEST(HttpMatchParserTest, SnakeCaseKeys) {
  MatchFixture f;
  auto m = f.parse(
      "ignore_uri_case: true\nwithout_headers: {x-a: {prefix: b}}\nquery_params: {a: {}}\n");
  EXPECT_EQ(f.diags.items().size(), 0u) << f.diags.format();
  EXPECT_TRUE(m.ignoreUriCase);
  EXPECT_EQ(m.withoutHeaders.size(), 1u);
  EXPECT_EQ(m.queryParams[0].second.kind, StringMatch::Kind::kPresence);
}

TEST(HttpMatchParserTest, InvalidRegexUsesRe2Error) {
  MatchFixture f;
  auto m = f.parse("uri:\n  regex: \"((\"\n");
  EXPECT_FALSE(m.uri);
  EXPECT_EQ(f.only(),
            "vs.yaml:2:3: VirtualService default/vs: spec.http[0].match[0].uri.regex: \"((\": "
            "invalid RE2: missing ): ((; Istio uses RE2 style regex-based match "
            "(https://github.com/google/re2/wiki/Syntax)");
}

TEST(HttpMatchParserTest, RegexTooLong) {
  MatchFixture f;
  f.parse("uri:\n  regex: \"" + std::string(1025, 'a') + "\"\n");
  EXPECT_EQ(f.only(),
            "vs.yaml:2:3: VirtualService default/vs: spec.http[0].match[0].uri.regex: \"uri\": "
            "regex is too large, max length allowed is 1024");
}

TEST(HttpMatchParserTest, RegexOf1024IsFine) {
  MatchFixture f;
  f.parse("uri:\n  regex: \"" + std::string(1024, 'a') + "\"\n");
  EXPECT_EQ(f.diags.items().size(), 0u);
}

TEST(HttpMatchParserTest, EmptyPrefixAllowedForUriOnly) {
  MatchFixture f;
  auto m = f.parse("uri: {prefix: \"\"}\nheaders:\n  x-a: {prefix: \"\"}\n");
  ASSERT_TRUE(m.uri);
  EXPECT_EQ(m.uri->value, "");
  EXPECT_TRUE(m.headers.empty());
  EXPECT_EQ(f.only(),
            "vs.yaml:3:9: VirtualService default/vs: spec.http[0].match[0].headers.x-a.prefix: "
            "\"x-a\": prefix string match should not be empty");
}

TEST(HttpMatchParserTest, EmptyRegexRejected) {
  MatchFixture f;
  f.parse("scheme: {regex: \"\"}\n");
  EXPECT_EQ(f.only(),
            "vs.yaml:1:10: VirtualService default/vs: spec.http[0].match[0].scheme.regex: "
            "\"scheme\": regex string match should not be empty");
}

TEST(HttpMatchParserTest, MoreThanOneMatchTypeIsAnError) {
  MatchFixture f;
  auto m = f.parse("uri: {exact: /a, prefix: /b}\n");
  EXPECT_FALSE(m.uri);
  EXPECT_EQ(f.only(),
            "vs.yaml:1:6: VirtualService default/vs: spec.http[0].match[0].uri: only one of "
            "exact, prefix or regex may be set");
}

TEST(HttpMatchParserTest, InvalidHeaderName) {
  MatchFixture f;
  auto m = f.parse("headers:\n  \"x a\": {exact: b}\n");
  EXPECT_TRUE(m.headers.empty());
  EXPECT_EQ(f.only(),
            "vs.yaml:2:10: VirtualService default/vs: spec.http[0].match[0].headers.x a: header "
            "name x a is not a valid header name");
}

TEST(HttpMatchParserTest, NullHeaderMatch) {
  MatchFixture f;
  f.parse("headers:\n  x-a:\n");
  EXPECT_NE(f.only().find("header match x-a cannot be null"), std::string::npos);
}

TEST(HttpMatchParserTest, ReservedHeaderKeysIgnoredWithWarning) {
  MatchFixture f;
  auto m = f.parse("headers:\n  uri: {exact: /a}\n");
  EXPECT_TRUE(m.headers.empty());
  EXPECT_FALSE(f.diags.hasErrors());
  EXPECT_EQ(f.only(),
            "vs.yaml:2:8: warning: VirtualService default/vs: spec.http[0].match[0].headers.uri: "
            "header match key \"uri\" is ignored (as Istio does); use the uri field of the match "
            "instead");
}

TEST(HttpMatchParserTest, JwtClaimRejected) {
  MatchFixture f;
  f.parse("headers:\n  \"@request.auth.claims.group\": {exact: a}\n");
  EXPECT_TRUE(f.diags.hasErrors());
}

TEST(HttpMatchParserTest, MeshOnlyFieldsWarn) {
  MatchFixture f;
  f.parse("sourceLabels: {app: a}\nsourceNamespace: ns\n");
  EXPECT_FALSE(f.diags.hasErrors());
  ASSERT_EQ(f.diags.items().size(), 2u);
  EXPECT_EQ(f.diags.items()[0].format(),
            "vs.yaml:1:1: warning: VirtualService default/vs: spec.http[0].match[0].sourceLabels: "
            "sourceLabels is mesh-only (it selects client sidecar workloads); ignored");
  EXPECT_EQ(f.diags.items()[1].field, "spec.http[0].match[0].sourceNamespace");
}

TEST(HttpMatchParserTest, UnknownFieldWarns) {
  MatchFixture f;
  f.parse("uri: {prefix: /, suffix: x}\nfoo: 1\n");
  ASSERT_EQ(f.diags.items().size(), 2u);
  EXPECT_EQ(f.diags.items()[0].format(),
            "vs.yaml:1:18: warning: VirtualService default/vs: spec.http[0].match[0].uri.suffix: "
            "unknown field, ignored");
  EXPECT_EQ(f.diags.items()[1].field, "spec.http[0].match[0].foo");
}

TEST(HttpMatchParserTest, PortRange) {
  MatchFixture f;
  f.parse("port: 70000\n");
  EXPECT_EQ(f.only(),
            "vs.yaml:1:1: VirtualService default/vs: spec.http[0].match[0].port: port number "
            "70000 must be in the range 1..65535");
}

TEST(HttpMatchParserTest, InvalidGatewayReference) {
  MatchFixture f;
  f.parse("gateways: [\"Bad_NS/gw\"]\n");
  EXPECT_EQ(f.only(),
            "vs.yaml:1:12: VirtualService default/vs: spec.http[0].match[0].gateways[0]: invalid "
            "value for namespace: \"Bad_NS\"");
}

TEST(HttpMatchParserTest, StringMatchNotAnObject) {
  MatchFixture f;
  f.parse("uri: /a\n");
  EXPECT_EQ(f.only(),
            "vs.yaml:1:6: VirtualService default/vs: spec.http[0].match[0].uri: expected a string "
            "match object (exact, prefix or regex)");
}

}  // namespace
}  // namespace portico::config
