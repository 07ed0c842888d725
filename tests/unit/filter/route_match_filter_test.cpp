#include "portico/filter/route_match_filter.h"

#include <gtest/gtest.h>

#include "fake_stream_context.h"
#include "portico/route/virtual_host.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

config::HttpMatchRequest prefix(const std::string& p) {
  config::HttpMatchRequest m;
  m.uri = config::StringMatch{config::StringMatch::Kind::kPrefix, p, {}};
  return m;
}

class RouteMatchFilterTest : public ::testing::Test {
 protected:
  RouteMatchFilterTest() {
    auto s = std::make_shared<route::Snapshot>();
    route::Listener& l = s->listeners[8080];
    l.port = 8080;
    auto shop =
        std::make_unique<route::VirtualHost>("shop", std::vector<std::string>{"shop.example.com"});
    auto api = testing::forwardRoute("api");
    api->name = "api";
    shop->addRoute(std::move(api), {prefix("/api/")});
    auto rest = testing::forwardRoute("web");
    rest->name = "web";
    shop->addRoute(std::move(rest), {});
    shop->finalize();
    l.virtualHosts.add(std::move(shop));
    auto secure = std::make_unique<route::VirtualHost>(
        "secure", std::vector<std::string>{"secure.example.com"});
    secure->setRequireTls(true);
    secure->addRoute(testing::forwardRoute("web"), {});
    secure->finalize();
    l.virtualHosts.add(std::move(secure));
    snapshot_ = s;
  }

  FakeStreamContext context(const std::string& authority, const std::string& path) {
    FakeStreamContext ctx(snapshot_);
    ctx.state().listenerPort = 8080;
    ctx.request().method = "GET";
    ctx.request().authority = authority;
    ctx.request().path = path;
    return ctx;
  }

  std::shared_ptr<const route::Snapshot> snapshot_;
};

TEST_F(RouteMatchFilterTest, MatchesRouteAndRecordsMatchedLength) {
  auto ctx = context("shop.example.com:8080", "/api/items");
  RouteMatchFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kContinue);
  ASSERT_NE(ctx.state().route(), nullptr);
  EXPECT_EQ(ctx.state().route()->name, "api");
  EXPECT_EQ(ctx.state().match.matchedPathLength, 5u);

  auto other = context("SHOP.example.com", "/index.html");
  EXPECT_EQ(filter.decodeHeaders(other), FilterStatus::kContinue);
  EXPECT_EQ(other.state().route()->name, "web");
}

TEST_F(RouteMatchFilterTest, UnknownHostOrListenerIs404NR) {
  RouteMatchFilter filter;
  auto ctx = context("nobody.example.com", "/");
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  EXPECT_EQ(ctx.state().localReply->head.status, 404u);
  EXPECT_EQ(ctx.state().localReply->body, "");
  EXPECT_EQ(ctx.state().responseFlags, "NR");

  auto wrongPort = context("shop.example.com", "/");
  wrongPort.state().listenerPort = 9090;
  EXPECT_EQ(filter.decodeHeaders(wrongPort), FilterStatus::kStopIteration);
  EXPECT_EQ(wrongPort.state().localReply->head.status, 404u);
}

TEST_F(RouteMatchFilterTest, HttpsRedirectForTlsOnlyHosts) {
  RouteMatchFilter filter;
  auto ctx = context("secure.example.com:8080", "/login");
  ctx.request().query = "next=/";
  ctx.request().hasQuery = true;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  EXPECT_EQ(ctx.state().localReply->head.status, 301u);
  EXPECT_EQ(ctx.state().localReply->head.headers.get("location").value_or(""),
            "https://secure.example.com/login?next=/");
}

}  // namespace
}  // namespace portico::filter
