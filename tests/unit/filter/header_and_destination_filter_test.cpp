#include <gtest/gtest.h>

#include "fake_stream_context.h"
#include "portico/filter/header_mutation_filter.h"
#include "portico/filter/rate_limit_filter.h"
#include "portico/filter/router_filter.h"
#include "portico/filter/weighted_destination_filter.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

TEST(HeaderMutationFilter, RemoveThenSetThenAddOnRequestAndResponse) {
  auto route = testing::forwardRoute("c");
  route->requestHeaders.remove = {"x-secret"};
  route->requestHeaders.set = {{"x-env", "prod"}};
  route->requestHeaders.add = {{"x-multi", "2"}};
  route->responseHeaders.set = {{"cache-control", "no-store"}};
  FakeStreamContext ctx;
  ctx.state().match.route = route.get();
  ctx.request().headers.add("x-secret", "s");
  ctx.request().headers.add("x-env", "dev");
  ctx.request().headers.add("x-env", "test");
  ctx.request().headers.add("x-multi", "1");
  HeaderMutationFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kContinue);
  const auto& h = ctx.request().headers;
  EXPECT_FALSE(h.has("x-secret"));
  EXPECT_EQ(h.find("x-env").value_or(""), "prod");
  EXPECT_EQ(h.find("x-multi").value_or(""), "1,2");

  http::ResponseHead response;
  response.headers.add("cache-control", "max-age=60");
  filter.encodeHeaders(ctx, response);
  EXPECT_EQ(response.headers.find("cache-control").value_or(""), "no-store");
}

std::shared_ptr<route::Snapshot> snapshotWith(std::initializer_list<const char*> clusters) {
  auto s = std::make_shared<route::Snapshot>();
  for (const char* name : clusters) {
    upstream::ClusterConfig c;
    c.name = name;
    s->clusters[name] = c;
  }
  return s;
}

TEST(WeightedDestinationFilter, PicksByWeightAndAppliesDestinationMutations) {
  route::Route route;
  route::ForwardAction fa;
  route::WeightedCluster v1;
  v1.clusterName = "v1";
  v1.weight = 90;
  v1.requestHeaders.set = {{"x-version", "v1"}};
  route::WeightedCluster v2;
  v2.clusterName = "v2";
  v2.weight = 10;
  v2.requestHeaders.set = {{"x-version", "v2"}};
  v2.responseHeaders.add = {{"x-served-by", "v2"}};
  v2.hostRewrite = "v2.internal";
  fa.clusters = {v1, v2};
  fa.totalWeight = 100;
  route.action = fa;
  auto snapshot = snapshotWith({"v1", "v2"});

  // pick() is the route module's: this test asserts what the filter does with its result.
  FakeStreamContext ctx(snapshot);
  ctx.state().match.route = &route;
  ctx.request().authority = "public";
  ctx.randoms = {95};  // 95 % 100 lands in v2's range [90, 100)
  WeightedDestinationFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kContinue);
  ASSERT_NE(ctx.state().destination, nullptr);
  EXPECT_EQ(ctx.state().destination->clusterName, "v2");
  EXPECT_EQ(ctx.state().cluster, snapshot->cluster("v2"));
  EXPECT_EQ(ctx.request().headers.get("x-version").value_or(""), "v2");
  EXPECT_EQ(ctx.request().authority, "v2.internal");
  http::ResponseHead response;
  filter.encodeHeaders(ctx, response);
  EXPECT_EQ(response.headers.get("x-served-by").value_or(""), "v2");
}

TEST(RouterFilter, UnknownClusterIs503NC) {
  auto route = testing::forwardRoute("missing");
  FakeStreamContext ctx(snapshotWith({}));
  ctx.state().match.route = route.get();
  WeightedDestinationFilter pick;
  RateLimitFilter rateLimit;
  RouterFilter router;
  EXPECT_EQ(pick.decodeHeaders(ctx), FilterStatus::kContinue);
  EXPECT_EQ(rateLimit.decodeHeaders(ctx), FilterStatus::kContinue);
  EXPECT_EQ(router.decodeHeaders(ctx), FilterStatus::kStopIteration);
  EXPECT_EQ(ctx.state().localReply->head.status, 503u);
  EXPECT_EQ(ctx.state().responseFlags, "NC");
  EXPECT_FALSE(ctx.state().forward);
}

TEST(RouterFilter, KnownClusterIsForwarded) {
  auto route = testing::forwardRoute("c");
  FakeStreamContext ctx(snapshotWith({"c"}));
  ctx.state().match.route = route.get();
  WeightedDestinationFilter pick;
  RouterFilter router;
  pick.decodeHeaders(ctx);
  EXPECT_EQ(router.decodeHeaders(ctx), FilterStatus::kStopIteration);
  EXPECT_TRUE(ctx.state().forward);
  EXPECT_FALSE(ctx.state().localReply);
}

}  // namespace
}  // namespace portico::filter
