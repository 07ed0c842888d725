#include "portico/ratelimit/snapshot_rate_limits.h"

#include <gtest/gtest.h>

#include "portico/http/header_map.h"
#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/rate_limit_registry.h"

namespace portico::ratelimit {
namespace {

// A config set as the loader would produce it: one RateLimitConfig on Gateway default/gw.
config::ConfigSet configSet(uint64_t rps, std::string targetKind = "Gateway",
                            std::string target = "gw") {
  config::ConfigSet set;
  config::RateLimitConfig c;
  c.meta.kind = "RateLimitConfig";
  c.meta.name = "rl";
  c.meta.ns = "default";
  c.meta.file = "rl.yaml";
  config::RateLimitTargetRef ref;
  ref.kind = std::move(targetKind);
  ref.name = std::move(target);
  ref.ns = "default";
  ref.mark = {7, 5};
  c.targetRefs.push_back(ref);
  config::RateLimit l;
  l.name = "all";
  l.requestsPerUnit = rps;
  l.unit = config::RateLimit::Unit::kMinute;
  c.limits.push_back(l);
  set.rateLimitConfigs.push_back(std::move(c));
  return set;
}

std::shared_ptr<route::Snapshot> freshSnapshot() {
  auto s = std::make_shared<route::Snapshot>();
  route::ServerBinding binding;
  binding.gateway = "default/gw";
  s->listeners[80].port = 80;
  s->listeners[80].servers.push_back(binding);
  return s;
}

struct Request {
  http::HeaderMap headers;
  route::MatchInput input;
  Request() {
    input.method = "GET";
    input.path = "/";
    input.listenerPort = 80;
    input.headers = &headers;
  }
};

bool admit(const route::Snapshot& snapshot) {
  Request r;
  const auto& policies = snapshot.rateLimits->forGateway("default/gw");
  EXPECT_EQ(policies.size(), 1u);
  return RateLimitRegistry::decide(*policies.front(), r.input, "10.0.0.1", steadyNowNanos())
      .admitted;
}

TEST(SnapshotRateLimitsTest, RebuildingFromAnEqualConfigKeepsTheBucketState) {
  RateLimitRegistry registry;
  config::Diagnostics diagnostics;
  auto first = freshSnapshot();
  attachRateLimits(*first, configSet(2), registry, diagnostics);
  ASSERT_NE(first->rateLimits, nullptr);
  EXPECT_TRUE(admit(*first));
  EXPECT_TRUE(admit(*first));
  EXPECT_FALSE(admit(*first));
  // The reload builds from a config set loaded again (equal, not the same object) and the
  // old snapshot is gone before anybody uses the new one.
  first.reset();
  auto second = freshSnapshot();
  attachRateLimits(*second, configSet(2), registry, diagnostics);
  EXPECT_FALSE(admit(*second)) << "the 2-per-minute bucket must still be empty";
  auto stats = registry.limitStats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].name, "default/rl/all");
  EXPECT_EQ(stats[0].admitted, 2u);
  EXPECT_EQ(stats[0].limited, 2u);
  EXPECT_TRUE(diagnostics.items().empty()) << diagnostics.format();
}

TEST(SnapshotRateLimitsTest, AChangedLimitStartsWithAFullBucket) {
  RateLimitRegistry registry;
  config::Diagnostics diagnostics;
  auto first = freshSnapshot();
  attachRateLimits(*first, configSet(1), registry, diagnostics);
  EXPECT_TRUE(admit(*first));
  EXPECT_FALSE(admit(*first));
  auto second = freshSnapshot();
  attachRateLimits(*second, configSet(3), registry, diagnostics);
  EXPECT_TRUE(admit(*second));
  EXPECT_TRUE(admit(*second));
  EXPECT_TRUE(admit(*second));
  EXPECT_FALSE(admit(*second));
  // The old snapshot still enforces the old limit with its own (empty) bucket.
  EXPECT_FALSE(admit(*first));
  first.reset();
  auto stats = registry.limitStats();
  ASSERT_EQ(stats.size(), 1u) << "the old limit's state goes with the last snapshot using it";
  EXPECT_EQ(stats[0].admitted, 3u);
}

TEST(SnapshotRateLimitsTest, NoRateLimitConfigLeavesTheSnapshotWithoutPoliciesAndFreesState) {
  RateLimitRegistry registry;
  config::Diagnostics diagnostics;
  auto first = freshSnapshot();
  attachRateLimits(*first, configSet(1), registry, diagnostics);
  first.reset();
  auto second = freshSnapshot();
  attachRateLimits(*second, config::ConfigSet(), registry, diagnostics);
  EXPECT_EQ(second->rateLimits, nullptr);
  EXPECT_TRUE(registry.limitStats().empty());
}

TEST(SnapshotRateLimitsTest, WarnsWhenATargetIsNotServedByThisGateway) {
  RateLimitRegistry registry;
  config::Diagnostics diagnostics;
  auto s = freshSnapshot();
  attachRateLimits(*s, configSet(1, "VirtualService", "internal-only"), registry, diagnostics);
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].format(),
            "rl.yaml:7:5: warning: RateLimitConfig default/rl: spec.targetRefs[0]: "
            "VirtualService default/internal-only is not served by any listener of this "
            "gateway; its limits never apply here");
  EXPECT_FALSE(diagnostics.hasErrors());
}

}  // namespace
}  // namespace portico::ratelimit
