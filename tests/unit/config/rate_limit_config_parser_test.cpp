#include "portico/config/resource_parsers.h"
#include "spec_test_support.h"

namespace portico::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::SpecFixture;

struct RateLimitConfigTest : ::testing::Test {
  SpecFixture<RateLimitConfig> f;
  RateLimitConfig parse(const std::string& yaml) {
    return f.parse(yaml, parseRateLimitConfigSpec, "RateLimitConfig", "rl");
  }
  // A valid resource with one limit whose body is `limit`.
  RateLimitConfig parseLimit(const std::string& limit) {
    return parse("targetRefs: [{kind: VirtualService, name: vs}]\nlimits:\n- " + limit);
  }
};

TEST_F(RateLimitConfigTest, ParsesTheDocumentedExample) {
  auto rl = parse(R"(
targetRefs:
- kind: VirtualService
  name: product-virtualservice
- kind: Gateway
  name: edge/product-gateway
limits:
- name: per-client
  match:
  - uri: {prefix: /products}
  key:
    remoteAddress: {}
  requestsPerUnit: 100
  unit: SECOND
  burst: 20
- name: per-key
  key: {header: X-Api-Key}
  requestsPerUnit: 1000
  unit: HOUR
backend:
  redis: {address: 127.0.0.1:6379, timeout: 50ms, failureMode: DENY}
)");
  EXPECT_THAT(f.all(), IsEmpty());
  ASSERT_EQ(rl.targetRefs.size(), 2u);
  EXPECT_EQ(rl.targetRefs[0].kind, "VirtualService");
  EXPECT_EQ(rl.targetRefs[0].ns, "default");
  EXPECT_EQ(rl.targetRefs[0].name, "product-virtualservice");
  EXPECT_EQ(rl.targetRefs[1].ns, "edge");
  EXPECT_EQ(rl.targetRefs[1].name, "product-gateway");
  ASSERT_EQ(rl.limits.size(), 2u);
  const auto& a = rl.limits[0];
  EXPECT_EQ(a.name, "per-client");
  ASSERT_EQ(a.match.size(), 1u);
  ASSERT_TRUE(a.match[0].uri);
  EXPECT_EQ(a.match[0].uri->kind, StringMatch::Kind::kPrefix);
  EXPECT_EQ(a.match[0].uri->value, "/products");
  EXPECT_EQ(a.keyKind, RateLimit::KeyKind::kRemoteAddress);
  EXPECT_EQ(a.requestsPerUnit, 100u);
  EXPECT_EQ(a.unit, RateLimit::Unit::kSecond);
  EXPECT_EQ(a.burst, 20u);
  EXPECT_EQ(rl.limits[1].keyKind, RateLimit::KeyKind::kHeader);
  EXPECT_EQ(rl.limits[1].keyHeader, "x-api-key");
  EXPECT_EQ(rl.limits[1].unit, RateLimit::Unit::kHour);
  ASSERT_TRUE(rl.redis);
  EXPECT_EQ(rl.redis->address, "127.0.0.1:6379");
  EXPECT_EQ(rl.redis->timeout, Duration{50});
  EXPECT_EQ(rl.redis->failureMode, RedisRateLimitBackend::FailureMode::kDeny);
}

TEST_F(RateLimitConfigTest, TargetRefsAndLimitsRequired) {
  parse("backend: {}\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec.targetRefs: Required value: at least one target",
                                      "spec.limits: Required value: at least one limit"));
}

TEST_F(RateLimitConfigTest, TargetRefRules) {
  parse(
      "targetRefs: [{kind: HTTPRoute, name: r}, {kind: Gateway}]\n"
      "limits: [{name: a, requestsPerUnit: 1, unit: SECOND}]\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre(
          "spec.targetRefs[0].kind: unsupported kind \"HTTPRoute\" (VirtualService, Gateway)",
          "spec.targetRefs[1].name: Required value"));
}

TEST_F(RateLimitConfigTest, LimitFieldsRequired) {
  parseLimit("{name: a}\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec.limits[0].requestsPerUnit: Required value",
                                      "spec.limits[0].unit: Required value"));
}

TEST_F(RateLimitConfigTest, LimitValueRules) {
  parseLimit("{name: Bad_Name, requestsPerUnit: 0, unit: WEEK, burst: -1}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.limits[0].name: invalid limit name \"Bad_Name\": must be a DNS-1123 "
                  "label (lower-case letters, digits, '-')",
                  "spec.limits[0].requestsPerUnit: requestsPerUnit must be at least 1",
                  "spec.limits[0].unit: unsupported unit \"WEEK\" (SECOND, MINUTE, HOUR, DAY)",
                  "spec.limits[0].burst: burst must not be negative"));
}

TEST_F(RateLimitConfigTest, LimitNamesUnique) {
  parse(
      "targetRefs: [{kind: Gateway, name: g}]\nlimits:\n"
      "- {name: a, requestsPerUnit: 1, unit: SECOND}\n- {name: a, requestsPerUnit: 2, unit: "
      "MINUTE}\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec.limits[1].name: duplicate limit name \"a\""));
}

TEST_F(RateLimitConfigTest, KeyIsExactlyOneOf) {
  parseLimit("{name: a, requestsPerUnit: 1, unit: DAY, key: {remoteAddress: {}, header: x-a}}\n");
  parseLimit("{name: a, requestsPerUnit: 1, unit: DAY, key: {}}\n");
  parseLimit("{name: a, requestsPerUnit: 1, unit: DAY, key: {header: \"bad header\"}}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.limits[0].key: key must set exactly one of remoteAddress or header",
                  "spec.limits[0].key: key must set exactly one of remoteAddress or header",
                  "spec.limits[0].key.header: header name bad header is not a valid header name"));
}

TEST_F(RateLimitConfigTest, MatchUsesHttpMatchRequestValidation) {
  parseLimit("{name: a, requestsPerUnit: 1, unit: DAY, match: [{uri: {regex: \"\"}}]}\n");
  ASSERT_EQ(f.errors().size(), 1u);
  EXPECT_EQ(f.errors()[0],
            "spec.limits[0].match[0].uri.regex: \"uri\": regex string match should not be empty");
}

TEST_F(RateLimitConfigTest, RedisBackendRules) {
  parse(
      "targetRefs: [{kind: Gateway, name: g}]\nlimits: [{name: a, requestsPerUnit: 1, unit: "
      "SECOND}]\n"
      "backend: {redis: {address: redis, failureMode: MAYBE}}\n");
  parse(
      "targetRefs: [{kind: Gateway, name: g}]\nlimits: [{name: a, requestsPerUnit: 1, unit: "
      "SECOND}]\n"
      "backend: {redis: {timeout: 1s}}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.backend.redis.address: invalid address \"redis\": expected host:port",
                  "spec.backend.redis.failureMode: unsupported failureMode \"MAYBE\" (ALLOW, DENY)",
                  "spec.backend.redis.address: Required value"));
}

}  // namespace
}  // namespace portico::config
