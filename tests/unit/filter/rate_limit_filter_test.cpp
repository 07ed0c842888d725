#include "portico/filter/rate_limit_filter.h"

#include <gtest/gtest.h>

#include "fake_stream_context.h"
#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/rate_limit_registry.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

config::RateLimitConfig policy(std::string name, std::string kind, std::string target,
                               uint64_t rps) {
  config::RateLimitConfig c;
  c.meta.name = std::move(name);
  c.meta.ns = "default";
  config::RateLimitTargetRef ref;
  ref.kind = std::move(kind);
  ref.name = std::move(target);
  ref.ns = "default";
  c.targetRefs.push_back(ref);
  config::RateLimit l;
  l.name = "l";
  l.requestsPerUnit = rps;
  l.unit = config::RateLimit::Unit::kMinute;
  c.limits.push_back(l);
  return c;
}

struct RateLimitFilterTest : ::testing::Test {
  ratelimit::RateLimitRegistry registry;
  std::unique_ptr<route::Route> route = testing::forwardRoute("svc");

  std::shared_ptr<route::Snapshot> snapshot(std::vector<config::RateLimitConfig> configs) {
    config::ConfigSet set;
    set.rateLimitConfigs = std::move(configs);
    auto s = std::make_shared<route::Snapshot>();
    route::ServerBinding binding;
    binding.gateway = "default/gw";
    s->listeners[80].port = 80;
    s->listeners[80].servers.push_back(binding);
    s->rateLimits = ratelimit::RateLimitPolicySet::build(registry, set);
    return s;
  }
  std::unique_ptr<FakeStreamContext> stream(std::shared_ptr<route::Snapshot> s) {
    auto ctx = std::make_unique<FakeStreamContext>(std::move(s));
    ctx->request().method = "GET";
    ctx->request().path = "/items";
    ctx->request().authority = "api.example.com";
    ctx->state().listenerPort = 80;
    route->virtualService = "default/vs";
    ctx->state().match.route = route.get();
    return ctx;
  }
};

TEST_F(RateLimitFilterTest, ContinuesWithoutHeadersWhenNoPolicyTargetsTheRequest) {
  auto s = snapshot({policy("other", "VirtualService", "other-vs", 1)});
  auto ctx = stream(s);
  RateLimitFilter filter(nullptr, "10.0.0.1");
  EXPECT_EQ(filter.decodeHeaders(*ctx), FilterStatus::kContinue);
  http::ResponseHead head;
  filter.encodeHeaders(*ctx, head);
  EXPECT_FALSE(head.headers.has("x-ratelimit-limit"));
}

TEST_F(RateLimitFilterTest, AdmittedResponsesCarryHeadersAndTheLimitAnswers429) {
  auto s = snapshot({policy("rl", "VirtualService", "vs", 2)});
  for (int i = 0; i < 2; ++i) {
    auto ctx = stream(s);
    RateLimitFilter filter(nullptr, "10.0.0.1");
    EXPECT_EQ(filter.decodeHeaders(*ctx), FilterStatus::kContinue);
    http::ResponseHead head;
    filter.encodeHeaders(*ctx, head);
    EXPECT_EQ(head.headers.get("x-ratelimit-limit"), std::optional<std::string_view>("2"));
    EXPECT_EQ(head.headers.get("x-ratelimit-remaining"),
              std::optional<std::string_view>(i == 0 ? "1" : "0"));
    EXPECT_EQ(head.headers.get("x-ratelimit-reset"),
              std::optional<std::string_view>(i == 0 ? "30" : "60"));
    filter.onComplete(*ctx);
  }
  auto ctx = stream(s);
  RateLimitFilter filter(nullptr, "10.0.0.1");
  EXPECT_EQ(filter.decodeHeaders(*ctx), FilterStatus::kStopIteration);
  ASSERT_TRUE(ctx->state().localReply);
  const auto& reply = *ctx->state().localReply;
  EXPECT_EQ(reply.head.status, 429u);
  EXPECT_EQ(reply.head.headers.get("retry-after"), std::optional<std::string_view>("30"));
  EXPECT_EQ(reply.head.headers.get("x-ratelimit-remaining"), std::optional<std::string_view>("0"));
  EXPECT_EQ(ctx->state().responseFlags, "RL");
}

TEST_F(RateLimitFilterTest, GatewayPoliciesApplyToEveryRouteOnTheirListener) {
  auto s = snapshot({policy("edge", "Gateway", "gw", 1), policy("vs", "VirtualService", "vs", 5)});
  auto first = stream(s);
  RateLimitFilter f1(nullptr, "10.0.0.1");
  EXPECT_EQ(f1.decodeHeaders(*first), FilterStatus::kContinue);
  http::ResponseHead head;
  f1.encodeHeaders(*first, head);
  // The gateway limit (1/min, none left) is the most restrictive.
  EXPECT_EQ(head.headers.get("x-ratelimit-limit"), std::optional<std::string_view>("1"));
  auto second = stream(s);
  RateLimitFilter f2(nullptr, "10.0.0.1");
  EXPECT_EQ(f2.decodeHeaders(*second), FilterStatus::kStopIteration);
  EXPECT_EQ(second->state().localReply->head.status, 429u);
}

TEST_F(RateLimitFilterTest, NoRouteOrNoPoliciesIsAPassThrough) {
  auto empty = std::make_shared<route::Snapshot>();
  auto ctx = stream(empty);
  RateLimitFilter filter;
  EXPECT_EQ(filter.decodeHeaders(*ctx), FilterStatus::kContinue);
  auto s = snapshot({policy("rl", "VirtualService", "vs", 1)});
  auto unrouted = stream(s);
  unrouted->state().match.route = nullptr;
  EXPECT_EQ(filter.decodeHeaders(*unrouted), FilterStatus::kContinue);
}

TEST_F(RateLimitFilterTest, RemoteAddressKeyGivesEachPeerItsOwnBucket) {
  auto config = policy("per-client", "VirtualService", "vs", 1);
  config.limits[0].keyKind = config::RateLimit::KeyKind::kRemoteAddress;
  auto s = snapshot({config});
  auto decide = [&](const char* peer) {
    auto ctx = stream(s);
    // The data plane's chain, as core::Stream builds it per stream with the peer's IP.
    RateLimitFilter filter(nullptr, peer);
    return filter.decodeHeaders(*ctx) == FilterStatus::kContinue;
  };
  EXPECT_TRUE(decide("127.0.0.1"));
  EXPECT_FALSE(decide("127.0.0.1"));
  EXPECT_TRUE(decide("127.0.0.2"));
  EXPECT_FALSE(decide("127.0.0.2"));
  EXPECT_TRUE(decide("::1"));
}

}  // namespace
}  // namespace portico::filter
