#include "portico/ratelimit/rate_limit_registry.h"

#include <gtest/gtest.h>

#include "portico/http/header_map.h"

namespace portico::ratelimit {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kT0 = 1'000'000 * kMs;

config::RateLimit limit(std::string name, uint64_t rps, uint64_t burst = 0) {
  config::RateLimit l;
  l.name = std::move(name);
  l.requestsPerUnit = rps;
  l.unit = config::RateLimit::Unit::kSecond;
  l.burst = burst;
  return l;
}

config::HttpMatchRequest prefix(std::string p) {
  config::HttpMatchRequest m;
  m.uri = config::StringMatch{config::StringMatch::Kind::kPrefix, std::move(p), {}};
  return m;
}

config::RateLimitConfig rlc(std::vector<config::RateLimit> limits) {
  config::RateLimitConfig c;
  c.meta.kind = "RateLimitConfig";
  c.meta.name = "rl";
  c.meta.ns = "default";
  c.limits = std::move(limits);
  return c;
}

struct Request {
  http::HeaderMap headers;
  route::MatchInput input;
  explicit Request(std::string_view path = "/") {
    input.method = "GET";
    input.scheme = "http";
    input.authority = "example.com";
    input.path = path;
    input.listenerPort = 80;
    input.headers = &headers;
  }
};

TEST(RateLimitRegistryTest, UnkeyedLimitIsOneBucketForAllMatchingRequests) {
  RateLimitRegistry registry;
  auto policy = registry.compile(rlc({limit("global", 2)}));
  Request r;
  EXPECT_TRUE(registry.decide(*policy, r.input, "10.0.0.1", kT0).admitted);
  EXPECT_TRUE(registry.decide(*policy, r.input, "10.0.0.2", kT0).admitted);
  auto d = registry.decide(*policy, r.input, "10.0.0.3", kT0);
  EXPECT_FALSE(d.admitted);
  EXPECT_TRUE(d.applied);
  EXPECT_EQ(d.limit, 2u);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.retryAfterSeconds, 1u);
}

TEST(RateLimitRegistryTest, RemoteAddressKeyGivesEachClientABucket) {
  RateLimitRegistry registry;
  auto l = limit("per-client", 1);
  l.keyKind = config::RateLimit::KeyKind::kRemoteAddress;
  auto policy = registry.compile(rlc({l}));
  Request r;
  EXPECT_TRUE(registry.decide(*policy, r.input, "10.0.0.1", kT0).admitted);
  EXPECT_FALSE(registry.decide(*policy, r.input, "10.0.0.1", kT0).admitted);
  EXPECT_TRUE(registry.decide(*policy, r.input, "10.0.0.2", kT0).admitted);
  EXPECT_TRUE(registry.decide(*policy, r.input, "10.0.0.1", kT0 + 1000 * kMs).admitted);
}

TEST(RateLimitRegistryTest, HeaderKeyAndRequestsWithoutTheHeaderShareOneBucket) {
  RateLimitRegistry registry;
  auto l = limit("per-key", 1);
  l.keyKind = config::RateLimit::KeyKind::kHeader;
  l.keyHeader = "x-api-key";
  auto policy = registry.compile(rlc({l}));
  const CompiledLimit& compiled = policy->limits[0];

  Request alice, bob, anon1, anon2;
  alice.headers.add("X-Api-Key", "alice");
  bob.headers.add("x-api-key", "bob");
  EXPECT_EQ(compiled.key(alice.input, "10.0.0.1"), std::optional<std::string_view>("alice"));
  EXPECT_EQ(compiled.key(anon1.input, "10.0.0.1"), std::nullopt);

  EXPECT_TRUE(registry.decide(*policy, alice.input, "10.0.0.1", kT0).admitted);
  EXPECT_FALSE(registry.decide(*policy, alice.input, "10.0.0.2", kT0).admitted);
  EXPECT_TRUE(registry.decide(*policy, bob.input, "10.0.0.1", kT0).admitted);
  EXPECT_TRUE(registry.decide(*policy, anon1.input, "10.0.0.3", kT0).admitted);
  EXPECT_FALSE(registry.decide(*policy, anon2.input, "10.0.0.4", kT0).admitted);
}

TEST(RateLimitRegistryTest, KeyExtraction) {
  RateLimitRegistry registry;
  auto none = limit("none", 1);
  auto addr = limit("addr", 1);
  addr.keyKind = config::RateLimit::KeyKind::kRemoteAddress;
  auto policy = registry.compile(rlc({none, addr}));
  Request r;
  EXPECT_EQ(policy->limits[0].key(r.input, "192.0.2.7"), std::optional<std::string_view>(""));
  EXPECT_EQ(policy->limits[1].key(r.input, "192.0.2.7"),
            std::optional<std::string_view>("192.0.2.7"));
}

TEST(RateLimitRegistryTest, OnlyLimitsWhoseMatchFitsApply) {
  RateLimitRegistry registry;
  auto api = limit("api", 1);
  api.match = {prefix("/api"), prefix("/v2")};
  auto admin = limit("admin", 1);
  auto adminMatch = prefix("/admin");
  adminMatch.port = 8080;
  admin.match = {adminMatch};
  auto policy = registry.compile(rlc({api, admin}));

  Request root("/"), apiReq("/api/items"), v2("/v2/x"), adminReq("/admin");
  EXPECT_TRUE(policy->limits[0].matches(apiReq.input));
  EXPECT_TRUE(policy->limits[0].matches(v2.input));
  EXPECT_FALSE(policy->limits[0].matches(root.input));
  EXPECT_FALSE(policy->limits[1].matches(adminReq.input));  // listener 80, match wants 8080
  adminReq.input.listenerPort = 8080;
  EXPECT_TRUE(policy->limits[1].matches(adminReq.input));

  auto d = registry.decide(*policy, root.input, "c", kT0);
  EXPECT_TRUE(d.admitted);
  EXPECT_FALSE(d.applied);  // no x-ratelimit-* headers for requests no limit covers
  EXPECT_TRUE(registry.decide(*policy, apiReq.input, "c", kT0).admitted);
  EXPECT_FALSE(registry.decide(*policy, v2.input, "c", kT0).admitted);
}

TEST(RateLimitRegistryTest, EveryMatchingLimitMustAdmit) {
  RateLimitRegistry registry;
  auto wide = limit("wide", 10);
  auto narrow = limit("narrow", 1);
  narrow.match = {prefix("/slow")};
  auto policy = registry.compile(rlc({wide, narrow}));
  Request slow("/slow"), fast("/fast");
  auto d = registry.decide(*policy, slow.input, "c", kT0);
  EXPECT_TRUE(d.admitted);
  // Headers describe the most restrictive limit: narrow has 0 left.
  EXPECT_EQ(d.limit, 1u);
  EXPECT_EQ(d.remaining, 0u);
  d = registry.decide(*policy, slow.input, "c", kT0);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.decidingLimit->name(), "narrow");
  d = registry.decide(*policy, fast.input, "c", kT0);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.limit, 10u);
  EXPECT_EQ(d.remaining, 7u);  // two slow requests and this one took from "wide"
}

TEST(RateLimitRegistryTest, DecisionHeaders) {
  RateLimitRegistry registry;
  auto policy = registry.compile(rlc({limit("l", 2, 1)}));
  Request r;
  http::HeaderMap h;
  registry.decide(*policy, r.input, "c", kT0).addHeaders(h);
  EXPECT_EQ(h.get("x-ratelimit-limit"), std::optional<std::string_view>("2"));
  EXPECT_EQ(h.get("x-ratelimit-remaining"), std::optional<std::string_view>("2"));
  EXPECT_EQ(h.get("x-ratelimit-reset"), std::optional<std::string_view>("1"));
  EXPECT_FALSE(h.has("retry-after"));
  registry.decide(*policy, r.input, "c", kT0);
  registry.decide(*policy, r.input, "c", kT0);
  http::HeaderMap rejected;
  auto d = registry.decide(*policy, r.input, "c", kT0 + 100 * kMs);
  EXPECT_FALSE(d.admitted);
  d.addHeaders(rejected);
  EXPECT_EQ(rejected.get("x-ratelimit-remaining"), std::optional<std::string_view>("0"));
  EXPECT_EQ(rejected.get("retry-after"), std::optional<std::string_view>("1"));
  EXPECT_EQ(rejected.get("x-ratelimit-reset"), std::optional<std::string_view>("2"));
}

TEST(RateLimitRegistryTest, ReloadKeepsStateOfUnchangedLimits) {
  RateLimitRegistry registry;
  auto old = registry.compile(rlc({limit("same", 1), limit("changed", 1)}));
  Request r;
  registry.decide(*old, r.input, "c", kT0);  // both buckets now empty
  auto reloaded = registry.compile(rlc({limit("same", 1), limit("changed", 2)}));
  EXPECT_EQ(&reloaded->limits[0].state(), &old->limits[0].state());
  EXPECT_NE(&reloaded->limits[1].state(), &old->limits[1].state());
  old.reset();
  auto d = registry.decide(*reloaded, r.input, "c", kT0);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.decidingLimit->name(), "same");
  auto stats = registry.limitStats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[1].name, "default/rl/same");
  EXPECT_EQ(stats[1].admitted, 1u);  // counters survive the reload too
  EXPECT_EQ(stats[1].limited, 1u);
}

TEST(RateLimitRegistryTest, StateOfRemovedLimitsIsFreed) {
  RateLimitRegistry registry;
  auto policy = registry.compile(rlc({limit("gone", 1)}));
  std::weak_ptr<LimitState> state = policy->limits[0].sharedState();
  policy.reset();
  EXPECT_TRUE(state.expired());
  EXPECT_TRUE(registry.limitStats().empty());
  // Compiled again after the old one died: a fresh bucket.
  auto again = registry.compile(rlc({limit("gone", 1)}));
  Request r;
  EXPECT_TRUE(registry.decide(*again, r.input, "c", kT0).admitted);
}

TEST(RateLimitRegistryTest, MetricsCountAdmittedAndLimitedPerLimit) {
  RateLimitRegistry registry;
  auto a = limit("a", 3);
  auto b = limit("b", 1);
  b.keyKind = config::RateLimit::KeyKind::kRemoteAddress;
  auto policy = registry.compile(rlc({a, b}));
  Request r;
  for (int i = 0; i < 5; ++i)
    registry.decide(*policy, r.input, "10.0.0." + std::to_string(i % 2), kT0);
  auto stats = registry.limitStats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "default/rl/a");
  EXPECT_EQ(stats[0].admitted, 3u);
  EXPECT_EQ(stats[0].limited, 2u);
  EXPECT_EQ(stats[1].name, "default/rl/b");
  EXPECT_EQ(stats[1].admitted, 2u);  // checking stops at a's rejection
  EXPECT_EQ(stats[1].limited, 1u);
  EXPECT_EQ(stats[1].keys, 2u);
}

TEST(RateLimitRegistryTest, LimitIdentityIsStableAndDefinitionSensitive) {
  auto l = limit("x", 5);
  l.match = {prefix("/a")};
  auto l2 = l;
  l2.match = {prefix("/b")};
  EXPECT_EQ(CompiledLimit::definition(l), CompiledLimit::definition(l));
  EXPECT_NE(CompiledLimit::definition(l), CompiledLimit::definition(l2));
  EXPECT_EQ(stableHash("portico"), stableHash("portico"));
  EXPECT_EQ(stableHash(""), 1469598103934665603ULL);
}

}  // namespace
}  // namespace portico::ratelimit

namespace portico::ratelimit {
namespace {

TEST(RateLimitRegistryGenerationTest, CurrentConfigKeepsStateEvenWithoutLivePolicies) {
  RateLimitRegistry registry;
  config::ConfigSet set;
  set.rateLimitConfigs.push_back(rlc({limit("kept", 1)}));
  Request r;
  {
    auto policies = registry.compileAll(set);
    EXPECT_TRUE(registry.decide(*policies[0], r.input, "c", kT0).admitted);
  }
  // Every policy is gone (old snapshot dropped before the reload), the bucket is not.
  auto reloaded = registry.compileAll(set);
  EXPECT_FALSE(registry.decide(*reloaded[0], r.input, "c", kT0).admitted);
  // A reload without the limit releases it once its last policy goes.
  std::weak_ptr<LimitState> state = reloaded[0]->limits[0].sharedState();
  registry.compileAll(config::ConfigSet{});
  reloaded.clear();
  EXPECT_TRUE(state.expired());
}

}  // namespace
}  // namespace portico::ratelimit
