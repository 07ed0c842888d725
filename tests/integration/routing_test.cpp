// Every match kind, redirect and directResponse, through the real binary.
#include <gtest/gtest.h>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

constexpr const char* kRoutes = R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: routes
spec:
  hosts: ["*"]
  gateways: [product-gateway]
  http:
  - name: exact
    match: [{uri: {exact: /exact}}]
    directResponse: {status: 200, body: {string: "exact"}}
  - name: regex
    match: [{uri: {regex: "/items/[0-9]+"}}]
    directResponse: {status: 200, body: {string: "regex"}}
  - name: header-exact
    match: [{uri: {prefix: /h/}, headers: {x-user: {exact: jason}}}]
    directResponse: {status: 200, body: {string: "header-exact"}}
  - name: header-prefix
    match: [{uri: {prefix: /h/}, headers: {x-user: {prefix: ja}}}]
    directResponse: {status: 200, body: {string: "header-prefix"}}
  - name: header-regex
    match: [{uri: {prefix: /h/}, headers: {x-user: {regex: "u[0-9]+"}}}]
    directResponse: {status: 200, body: {string: "header-regex"}}
  - name: header-present
    match: [{uri: {prefix: /h/}, headers: {x-debug: {}}}]
    directResponse: {status: 200, body: {string: "header-present"}}
  - name: without-header
    match: [{uri: {prefix: /w/}, withoutHeaders: {x-block: {exact: "yes"}}}]
    directResponse: {status: 200, body: {string: "without-header"}}
  - name: query
    match: [{uri: {prefix: /q}, queryParams: {v: {exact: "2"}}}]
    directResponse: {status: 200, body: {string: "query"}}
  - name: method
    match: [{uri: {prefix: /m}, method: {exact: POST}}]
    directResponse: {status: 200, body: {string: "method"}}
  - name: authority
    match: [{uri: {prefix: /a}, authority: {prefix: api.}}]
    directResponse: {status: 200, body: {string: "authority"}}
  - name: ignore-case
    match: [{uri: {prefix: /CaSe}, ignoreUriCase: true}]
    directResponse: {status: 200, body: {string: "ignore-case"}}
  - name: redirect
    match: [{uri: {exact: /old}}]
    redirect: {uri: /new, authority: example.com, redirectCode: 302}
  - name: https-redirect
    match: [{uri: {prefix: /secure}}]
    redirect: {scheme: https}
  - name: teapot
    match: [{uri: {prefix: /teapot}}]
    directResponse: {status: 418, body: {string: "short and stout"}}
    headers:
      response:
        set: {content-type: text/plain, x-route: teapot}
  - name: admin
    match: [{uri: {prefix: /admin}}]
    directResponse: {status: 200, body: {string: "admin"}}
---
)";

class Routing : public ::testing::Test {
 protected:
  TempDir dir;
  uint16_t port = freePort();
  std::unique_ptr<Gateway> gw;
  void SetUp() override {
    gw = std::make_unique<Gateway>(dir, seedGateway(port) + kRoutes);
    ASSERT_TRUE(gw->ready()) << gw->log();
  }
  HttpResult get(const std::string& path, const std::string& extra = "") {
    return curl(extra + " 'http://127.0.0.1:" + std::to_string(port) + path + "'");
  }
};

TEST_F(Routing, UriExactRegexAndPrefixKinds) {
  EXPECT_EQ(get("/exact").body, "exact");
  EXPECT_EQ(get("/exact/more").status, 404);
  EXPECT_EQ(get("/items/123").body, "regex");
  EXPECT_EQ(get("/items/12a").status, 404);  // regex is a full match
  EXPECT_EQ(get("/case/x").body, "ignore-case");
  EXPECT_EQ(get("/CASE").body, "ignore-case");
}

TEST_F(Routing, HeaderMatchKindsInOrder) {
  EXPECT_EQ(get("/h/", "-H 'x-user: jason'").body, "header-exact");
  EXPECT_EQ(get("/h/", "-H 'x-user: jane'").body, "header-prefix");
  EXPECT_EQ(get("/h/", "-H 'x-user: u42'").body, "header-regex");
  EXPECT_EQ(get("/h/", "-H 'x-user: xu42'").status, 404);
  EXPECT_EQ(get("/h/", "-H 'X-Debug: 1'").body, "header-present");
  EXPECT_EQ(get("/w/").body, "without-header");
  EXPECT_EQ(get("/w/", "-H 'x-block: yes'").status, 404);
  EXPECT_EQ(get("/w/", "-H 'x-block: no'").body, "without-header");
}

TEST_F(Routing, QueryMethodAndAuthority) {
  EXPECT_EQ(get("/q?v=2").body, "query");
  EXPECT_EQ(get("/q?v=3").status, 404);
  EXPECT_EQ(get("/m", "-X POST").body, "method");
  EXPECT_EQ(get("/m").status, 404);
  EXPECT_EQ(get("/a", "-H 'Host: api.example.com'").body, "authority");
  EXPECT_EQ(get("/a", "-H 'Host: www.example.com'").status, 404);
}

TEST_F(Routing, RedirectsAndDirectResponses) {
  auto r = get("/old?x=1");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.headers["location"], "http://example.com/new?x=1");
  auto s = get("/secure/path", "-H 'Host: shop.example.com'");
  EXPECT_EQ(s.status, 301);
  EXPECT_EQ(s.headers["location"], "https://shop.example.com/secure/path");
  auto t = get("/teapot");
  EXPECT_EQ(t.status, 418);
  EXPECT_EQ(t.body, "short and stout");
  EXPECT_EQ(t.headers["x-route"], "teapot");
  EXPECT_EQ(t.headers["content-type"], "text/plain");
}

TEST_F(Routing, PathsAreNormalisedBeforeMatching) {
  // /exact reached through dot segments and doubled slashes, as Envoy's normalize_path and
  // merge_slashes do; a traversal cannot reach a route its normalised path does not match.
  EXPECT_EQ(get("/x/../exact", "--path-as-is").body, "exact");
  EXPECT_EQ(get("//exact", "--path-as-is").body, "exact");
  EXPECT_EQ(get("/teapot/../admin", "--path-as-is").body, "admin");
  EXPECT_EQ(get("/items%2F123", "--path-as-is").status, 404);  // %2F stays encoded
}

}  // namespace
}  // namespace portico::testing
