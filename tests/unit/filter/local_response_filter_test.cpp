#include "portico/filter/local_response_filter.h"

#include <gtest/gtest.h>

#include "fake_stream_context.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

TEST(LocalResponseFilter, DirectResponseWithResponseHeaderMutation) {
  route::Route route;
  route.action = route::DirectResponseAction{503, "maintenance"};
  route.responseHeaders.set.push_back({"x-set", "s"});
  route.responseHeaders.add.push_back({"x-add", "a"});
  FakeStreamContext ctx;
  ctx.state().match.route = &route;
  LocalResponseFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  ASSERT_TRUE(ctx.state().localReply);
  const auto& reply = *ctx.state().localReply;
  EXPECT_EQ(reply.head.status, 503u);
  EXPECT_EQ(reply.body, "maintenance");
  EXPECT_EQ(reply.head.headers.get("x-set").value_or(""), "s");
  EXPECT_EQ(reply.head.headers.get("x-add").value_or(""), "a");
  EXPECT_EQ(reply.head.headers.get("content-type").value_or(""), "text/plain");
}

TEST(LocalResponseFilter, RedirectReplacesPathKeepsQuery) {
  route::Route route;
  route::RedirectAction redirect;
  redirect.path = "/v2/items";
  redirect.code = 302;
  route.action = redirect;
  FakeStreamContext ctx;
  ctx.state().match.route = &route;
  ctx.request().authority = "shop.example.com";
  ctx.request().path = "/v1/items";
  ctx.request().query = "page=2";
  ctx.request().hasQuery = true;
  LocalResponseFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  const auto& reply = *ctx.state().localReply;
  EXPECT_EQ(reply.head.status, 302u);
  EXPECT_EQ(reply.head.headers.get("location").value_or(""),
            "http://shop.example.com/v2/items?page=2");
}

TEST(LocalResponseFilter, RedirectLocationVariants) {
  http::RequestHead req;
  req.authority = "a.example.com:8080";
  req.path = "/old/thing";
  route::RedirectAction a;
  a.prefixRewrite = "/new";
  EXPECT_EQ(LocalResponseFilter::redirectLocation(a, req, 4, "http", 8080),
            "http://a.example.com:8080/new/thing");

  route::RedirectAction b;
  b.scheme = "https";
  b.authority = "b.example.com";
  EXPECT_EQ(LocalResponseFilter::redirectLocation(b, req, 0, "http", 8080),
            "https://b.example.com/old/thing");

  route::RedirectAction c;
  c.port = 9443;
  c.scheme = "https";
  EXPECT_EQ(LocalResponseFilter::redirectLocation(c, req, 0, "http", 8080),
            "https://a.example.com:9443/old/thing");

  route::RedirectAction d;
  d.derivePort = config::HttpRedirect::DerivePort::kFromProtocolDefault;
  EXPECT_EQ(LocalResponseFilter::redirectLocation(d, req, 0, "http", 8080),
            "http://a.example.com/old/thing");

  http::RequestHead plain;
  plain.authority = "c.example.com";
  plain.path = "/x";
  route::RedirectAction e;
  e.derivePort = config::HttpRedirect::DerivePort::kFromRequestPort;
  EXPECT_EQ(LocalResponseFilter::redirectLocation(e, plain, 0, "http", 8080),
            "http://c.example.com:8080/x");
}

TEST(LocalResponseFilter, ForwardRoutesContinue) {
  auto route = testing::forwardRoute("c");
  FakeStreamContext ctx;
  ctx.state().match.route = route.get();
  LocalResponseFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kContinue);
  EXPECT_FALSE(ctx.state().localReply);
}

}  // namespace
}  // namespace portico::filter
