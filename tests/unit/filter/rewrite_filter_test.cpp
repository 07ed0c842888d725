#include "portico/filter/rewrite_filter.h"

#include <gtest/gtest.h>

#include "fake_stream_context.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

TEST(RewriteFilter, PrefixRewriteReplacesExactlyTheMatchedLength) {
  auto route = testing::forwardRoute("c");
  route->rewrite.kind = route::PathRewrite::Kind::kPrefix;
  route->rewrite.replacement = "/";
  FakeStreamContext ctx;
  ctx.state().match = {route.get(), 5};  // matched "/api/"
  ctx.request().path = "/api/users";
  ctx.request().query = "x=1";
  ctx.request().hasQuery = true;
  RewriteFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kContinue);
  EXPECT_EQ(ctx.request().path, "/users");
  EXPECT_EQ(ctx.request().headers.get("x-envoy-original-path").value_or(""), "/api/users?x=1");
}

TEST(RewriteFilter, PrefixRewriteWithoutTrailingSlashDoublesSlashLikeEnvoy) {
  auto route = testing::forwardRoute("c");
  route->rewrite.kind = route::PathRewrite::Kind::kPrefix;
  route->rewrite.replacement = "/";
  FakeStreamContext ctx;
  ctx.state().match = {route.get(), 4};  // matched "/api"
  ctx.request().path = "/api/users";
  RewriteFilter filter;
  filter.decodeHeaders(ctx);
  EXPECT_EQ(ctx.request().path, "//users");
}

TEST(RewriteFilter, RegexRewriteReplacesEveryMatch) {
  auto route = testing::forwardRoute("c");
  route->rewrite.kind = route::PathRewrite::Kind::kRegex;
  route->rewrite.regex = std::make_shared<RE2>("^/service/([^/]+)(/.*)$");
  route->rewrite.substitution = "\\2/instance/\\1";
  FakeStreamContext ctx;
  ctx.state().match = {route.get(), 0};
  ctx.request().path = "/service/foo/v1/api";
  RewriteFilter filter;
  filter.decodeHeaders(ctx);
  EXPECT_EQ(ctx.request().path, "/v1/api/instance/foo");
}

TEST(RewriteFilter, AuthorityRewriteWithoutPathRewriteKeepsNoOriginalPath) {
  auto route = testing::forwardRoute("c");
  route->hostRewrite = "internal.svc";
  FakeStreamContext ctx;
  ctx.state().match = {route.get(), 0};
  ctx.request().authority = "public.example.com";
  ctx.request().path = "/x";
  RewriteFilter filter;
  filter.decodeHeaders(ctx);
  EXPECT_EQ(ctx.request().authority, "internal.svc");
  EXPECT_EQ(ctx.request().path, "/x");
  EXPECT_FALSE(ctx.request().headers.has("x-envoy-original-path"));
}

}  // namespace
}  // namespace portico::filter
