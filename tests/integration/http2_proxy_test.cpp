// Prior-knowledge HTTP/2 (h2c) through the real binary with real clients (curl, h2load,
// nghttp): the same filter chain as HTTP/1.1, streamed bodies, the advertised limits.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

constexpr const char* kRoutes = R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [product-gateway]
  http:
  - name: direct
    match: [{uri: {prefix: /direct}}]
    directResponse: {status: 418, body: {string: "short and stout"}}
    headers:
      response:
        set: {x-route: direct}
  - name: old
    match: [{uri: {exact: /old}}]
    redirect: {uri: /new, authority: example.com, redirectCode: 302}
  - name: api
    match: [{uri: {prefix: /api/}}]
    rewrite: {uri: /v1/}
    headers:
      request:
        set: {x-added: "yes"}
        remove: [x-secret]
      response:
        set: {x-resp: mutated}
    route: [{destination: {host: app, port: {number: 80}}}]
  - route: [{destination: {host: app, port: {number: 80}}}]
)";

class Http2Proxy : public ::testing::Test {
 protected:
  void SetUp() override {
    gw = std::make_unique<Gateway>(
        dir, seedGateway(port) +
                 staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port()) +
                 kRoutes);
    ASSERT_TRUE(gw->ready()) << gw->log();
  }
  std::string url(const std::string& path) const {
    return "'http://127.0.0.1:" + std::to_string(port) + path + "'";
  }
  HttpResult h2(const std::string& path, const std::string& extra = "") {
    return curl("--http2-prior-knowledge " + extra + " " + url(path));
  }
  HttpResult h1(const std::string& path, const std::string& extra = "") {
    return curl("--http1.1 " + extra + " " + url(path));
  }

  TempDir dir;
  Upstream app{"app"};
  uint16_t port = freePort();
  std::unique_ptr<Gateway> gw;
};

TEST_F(Http2Proxy, ProxiedRouteOverPriorKnowledge) {
  auto r = h2("/hello?x=1");
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.raw.starts_with("HTTP/2 200")) << r.raw.substr(0, 200);
  EXPECT_EQ(echoedTarget(r.body), "/hello?x=1");
  EXPECT_EQ(echoedHeader(r.body, "host"), "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(echoedHeader(r.body, "x-forwarded-proto"), "http");
  EXPECT_EQ(r.headers["x-upstream-name"], "app");
  EXPECT_EQ(r.headers.count("connection"), 0u);
  EXPECT_EQ(r.headers.count("transfer-encoding"), 0u);
  EXPECT_EQ(r.headers.count("keep-alive"), 0u);
}

TEST_F(Http2Proxy, DirectResponseAndRedirectAsOverHttp1) {
  auto two = h2("/direct");
  auto one = h1("/direct");
  EXPECT_TRUE(two.raw.starts_with("HTTP/2 418")) << two.raw;
  EXPECT_EQ(two.status, one.status);
  EXPECT_EQ(two.body, "short and stout");
  EXPECT_EQ(two.body, one.body);
  EXPECT_EQ(two.headers["x-route"], "direct");
  EXPECT_EQ(two.headers["content-length"], one.headers["content-length"]);

  auto redirect2 = h2("/old");
  auto redirect1 = h1("/old");
  EXPECT_EQ(redirect2.status, 302);
  EXPECT_EQ(redirect2.headers["location"], redirect1.headers["location"]);
  EXPECT_EQ(redirect2.headers["location"], "http://example.com/new");
}

TEST_F(Http2Proxy, RewriteAndHeaderMutationAsOverHttp1) {
  const std::string headers = "-H 'x-secret: s' -H 'x-keep: k' -H 'Cookie: a=1' -H 'Cookie: b=2'";
  auto two = h2("/api/items?q=2", headers);
  auto one = h1("/api/items?q=2", headers);
  ASSERT_EQ(two.status, 200) << two.raw;
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(echoedTarget(two.body), "/v1/items?q=2");
  EXPECT_EQ(echoedTarget(two.body), echoedTarget(one.body));
  for (const char* name : {"x-added", "x-secret", "x-keep", "x-envoy-original-path"}) {
    EXPECT_EQ(echoedHeader(two.body, name), echoedHeader(one.body, name)) << name;
  }
  EXPECT_EQ(echoedHeader(two.body, "x-added"), "yes");
  // RFC 9113 8.2.3: the cookie fields an HTTP/2 client splits are one header upstream.
  EXPECT_EQ(echoedHeader(two.body, "cookie"), "a=1; b=2");
  EXPECT_EQ(echoedHeader(two.body, "x-secret"), "");
  EXPECT_EQ(two.headers["x-resp"], "mutated");
  EXPECT_EQ(two.headers["x-resp"], one.headers["x-resp"]);
}

TEST_F(Http2Proxy, BadPathIsAnsweredLikeHttp1) {
  // A target the HTTP/1.1 codec rejects with 400 gets 400 over HTTP/2 too.
  auto r = h2("/a%zz");
  EXPECT_EQ(r.status, h1("/a%zz").status) << r.raw;
}

TEST_F(Http2Proxy, TenMegabytesStreamedBothWays) {
  const std::string body = (dir.path() / "body.bin").string();
  ASSERT_EQ(runCommand("head -c 10485760 /dev/zero > " + body).exitCode, 0);
  auto up = h2("/upload", "--data-binary @" + body);
  EXPECT_EQ(up.status, 200) << up.raw.substr(0, 300);
  EXPECT_NE(up.body.find("\"body_bytes\":10485760"), std::string::npos) << up.body.substr(0, 300);
  // Without a length (the upstream gets it chunked).
  auto chunked = runCommand("cat " + body + " | curl -sS --http2-prior-knowledge --max-time 60 " +
                                "--data-binary @- " + url("/upload"),
                            std::chrono::seconds(70));
  EXPECT_NE(chunked.output.find("\"body_bytes\":10485760"), std::string::npos)
      << chunked.output.substr(0, 300);

  auto down = runCommand(
      "curl -sS --http2-prior-knowledge --max-time 60 -o /dev/null -w "
      "'%{http_code} %{size_download} %{http_version}' " +
          url("/bytes/10485760"),
      std::chrono::seconds(70));
  EXPECT_EQ(down.output, "200 10485760 2");
}

TEST_F(Http2Proxy, H2loadManyStreamsWithoutErrors) {
  auto r = runCommand("h2load -n 2000 -c 4 -m 10 http://127.0.0.1:" + std::to_string(port) + "/",
                      std::chrono::seconds(120));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("2000 succeeded, 0 failed, 0 errored"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("status codes: 2000 2xx"), std::string::npos) << r.output;
  // Every stream is counted, and none is left active.
  auto stats = curl("http://127.0.0.1:" + std::to_string(gw->adminPort()) + "/stats");
  EXPECT_NE(stats.body.find("envoy_http_downstream_rq_http2_total: 2000\n"), std::string::npos)
      << stats.body;
  EXPECT_NE(stats.body.find("portico_http2_streams_active: 0\n"), std::string::npos);
}

TEST_F(Http2Proxy, SettingsAdvertiseTheDefaultStreamLimit) {
  auto r = runCommand("nghttp -v " + url("/direct"), std::chrono::seconds(20));
  EXPECT_NE(r.output.find("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100"), std::string::npos)
      << r.output;
}

TEST_F(Http2Proxy, DrainLetsStreamsInFlightFinish) {
  // SIGTERM while a stream waits for its upstream: GOAWAY, the response still arrives, and
  // the gateway exits cleanly once the connection is done.
  const std::string pid = std::to_string(gw->process().pid());
  auto r = runCommand("curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' " +
                          url("/delay/800") + " > " + (dir.path() / "code").string() +
                          " & c=$!; sleep 0.3; kill -TERM " + pid + "; wait $c; cat " +
                          (dir.path() / "code").string(),
                      std::chrono::seconds(20));
  EXPECT_EQ(r.output, "200");
  EXPECT_EQ(gw->process().wait(std::chrono::seconds(10)), 0) << gw->log();
}

TEST(Http2Settings, StreamLimitIsAFlag) {
  TempDir dir;
  uint16_t port = freePort();
  GatewayOptions options;
  options.extraArgs = {"--http2-max-concurrent-streams", "7"};
  Gateway gw(dir,
             seedGateway(port) +
                 "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                 "metadata: {name: vs}\nspec:\n  hosts: [\"*\"]\n"
                 "  gateways: [product-gateway]\n  http:\n"
                 "  - directResponse: {status: 200}\n",
             options);
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto r = runCommand("nghttp -v http://127.0.0.1:" + std::to_string(port) + "/",
                      std::chrono::seconds(20));
  EXPECT_NE(r.output.find("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7"), std::string::npos)
      << r.output;
}

TEST(Http2Limits, HeaderListOverTheCodecLimitsGets431) {
  // The HTTP/2 header-list budget is the HTTP/1.1 request line plus header block limits.
  TempDir dir;
  uint16_t port = freePort();
  GatewayOptions options;
  options.extraArgs = {"--max-request-line-bytes", "4096", "--max-request-headers-bytes", "8192"};
  Gateway gw(dir,
             seedGateway(port) +
                 "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                 "metadata: {name: vs}\nspec:\n  hosts: [\"*\"]\n"
                 "  gateways: [product-gateway]\n  http:\n"
                 "  - directResponse: {status: 200}\n",
             options);
  ASSERT_TRUE(gw.ready()) << gw.log();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto small = curl("--http2-prior-knowledge -H 'x-big: " + std::string(8000, 'a') + "' " + url);
  EXPECT_EQ(small.status, 200) << small.raw.substr(0, 300);
  auto big = curl("--http2-prior-knowledge -H 'x-big: " + std::string(13000, 'a') +
                  "' -H 'x-big2: " + std::string(13000, 'a') + "' " + url);
  EXPECT_EQ(big.status, 431) << big.raw.substr(0, 300);
  EXPECT_EQ(big.body, "Request Header Fields Too Large");
}

}  // namespace
}  // namespace portico::testing
