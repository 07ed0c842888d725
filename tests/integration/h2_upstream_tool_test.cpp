// The HTTP/2 test tools on their own, no gateway: portico_test_h2_upstream answered by the
// GrpcCall and http2Fetch clients, so a gateway test that fails points at the gateway.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/grpc_client.h"
#include "support/h2_upstream.h"
#include "support/http2_request.h"
#include "tls_pki.h"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

class H2UpstreamTool : public ::testing::Test {
 protected:
  H2Upstream upstream{"h2-one"};
};

TEST_F(H2UpstreamTool, UnaryEchoesTheFirstMessageWithStatusZeroInTrailers) {
  auto result = GrpcCall::unary(upstream.port(), "/echo.Echo/Unary", "echo.test", "hello");
  EXPECT_FALSE(result.timedOut);
  EXPECT_FALSE(result.connectionError);
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_EQ(result.headers["content-type"], "application/grpc");
  EXPECT_EQ(result.headers["x-upstream-name"], "h2-one");
  EXPECT_EQ(result.messages, std::vector<std::string>{"hello"});
  EXPECT_EQ(result.trailers["grpc-status"], "0");
  EXPECT_EQ(result.trailers["grpc-message"], "OK");
  EXPECT_EQ(result.grpcStatus(), "0");
  EXPECT_FALSE(result.trailersOnly);
  EXPECT_EQ(result.resetCode, 0u);
}

TEST_F(H2UpstreamTool, UnaryAnswersAMessageSplitAcrossDataFrames) {
  auto call = GrpcCall::start(upstream.port(), "/echo.Echo/Unary", "echo.test");
  ASSERT_TRUE(call);
  const std::string framed = grpcFrame(std::string(100'000, 'm'));
  ASSERT_TRUE(call->sendRaw(framed.substr(0, 3)));
  ASSERT_TRUE(call->sendRaw(framed.substr(3)));
  call->closeSend();
  auto result = call->finish(5s);
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0], std::string(100'000, 'm'));
  EXPECT_EQ(result.grpcStatus(), "0");
}

TEST_F(H2UpstreamTool, BidiEchoesEachMessageBeforeTheNextIsSent) {
  auto call = GrpcCall::start(upstream.port(), "/echo.Echo/Bidi", "echo.test");
  ASSERT_TRUE(call);
  ASSERT_TRUE(call->waitForHeaders(2s)) << "response headers come before any message";
  for (int i = 1; i <= 5; ++i) {
    const std::string message = "message " + std::to_string(i);
    ASSERT_TRUE(call->send(message));
    auto echoed = call->read(2s);
    ASSERT_TRUE(echoed.has_value()) << "no echo of " << message;
    EXPECT_EQ(*echoed, message);
  }
  call->closeSend();
  auto result = call->finish(2s);
  EXPECT_FALSE(result.timedOut);
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_EQ(result.messages.size(), 5u);
  EXPECT_EQ(result.trailers["grpc-status"], "0");
  EXPECT_EQ(result.grpcStatus(), "0");
}

TEST_F(H2UpstreamTool, BidiEndsWithStatusZeroWithoutMessages) {
  auto call = GrpcCall::start(upstream.port(), "/echo.Echo/Bidi", "echo.test");
  ASSERT_TRUE(call);
  call->closeSend();
  auto result = call->finish(2s);
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_TRUE(result.messages.empty());
  EXPECT_EQ(result.grpcStatus(), "0");
}

TEST_F(H2UpstreamTool, FailIsTrailersOnlyWithStatus13) {
  auto result = GrpcCall::unary(upstream.port(), "/echo.Echo/Fail", "echo.test", "x");
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_TRUE(result.trailersOnly);
  EXPECT_TRUE(result.trailers.empty());
  EXPECT_EQ(result.headers["content-type"], "application/grpc");
  EXPECT_EQ(result.grpcStatus(), "13");
  EXPECT_EQ(result.grpcMessage(), "boom");
  EXPECT_TRUE(result.messages.empty());
}

TEST_F(H2UpstreamTool, SlowAnswersAfterTheDelay) {
  const auto started = std::chrono::steady_clock::now();
  auto slow =
      GrpcCall::start(upstream.port(), "/echo.Echo/Slow", "echo.test", {{"x-delay-ms", "300"}});
  ASSERT_TRUE(slow);
  slow->send("late");
  slow->closeSend();
  auto result = slow->finish(5s);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_FALSE(result.timedOut);
  EXPECT_EQ(result.messages, std::vector<std::string>{"late"});
  EXPECT_EQ(result.grpcStatus(), "0");
}

TEST_F(H2UpstreamTool, SlowCallBlocksNeitherItsConnectionNorOthers) {
  auto connection = Http2ClientConnection::connect(upstream.port());
  ASSERT_TRUE(connection);
  const int32_t slow = connection->open(
      "POST", "http", "echo.test", "/echo.Echo/Slow",
      {{"content-type", "application/grpc"}, {"te", "trailers"}, {"x-delay-ms", "3000"}}, false);
  ASSERT_TRUE(connection->send(slow, grpcFrame("late")));
  connection->closeSend(slow);
  const int32_t quick = connection->open("GET", "http", "echo.test", "/quick", {}, true);
  ASSERT_TRUE(connection->pumpUntil([&] { return connection->stream(quick)->remoteEnded; },
                                    std::chrono::steady_clock::now() + 2s));
  EXPECT_EQ(connection->stream(quick)->status, 200);
  EXPECT_EQ(GrpcCall::unary(upstream.port(), "/echo.Echo/Unary", "echo.test", "other").grpcStatus(),
            "0");
  EXPECT_FALSE(connection->stream(slow)->remoteEnded) << "the slow call is still waiting";
}

TEST_F(H2UpstreamTool, SlowCallTimesOutOnTheClientSide) {
  auto call =
      GrpcCall::start(upstream.port(), "/echo.Echo/Slow", "echo.test", {{"x-delay-ms", "2000"}});
  ASSERT_TRUE(call);
  call->send("x");
  call->closeSend();
  auto result = call->finish(100ms);
  EXPECT_TRUE(result.timedOut);
  EXPECT_EQ(result.grpcStatus(), "");
}

TEST_F(H2UpstreamTool, PlainPathEchoesMethodPathHeadersAndBody) {
  Http2Request request;
  request.method = "POST";
  request.path = "/some/path?q=1";
  request.authority = "app.test";
  request.headers = {{"x-custom", "abc"}, {"content-length", "4"}};
  request.body = "body";
  auto response = http2Fetch(upstream.port(), request);
  EXPECT_FALSE(response.timedOut);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["content-type"], "text/plain");
  EXPECT_EQ(response.headers["x-upstream-protocol"], "h2");
  EXPECT_EQ(response.headers["x-upstream-name"], "h2-one");
  EXPECT_EQ(response.body,
            "POST /some/path?q=1\n"
            ":method: POST\n"
            ":scheme: http\n"
            ":authority: app.test\n"
            ":path: /some/path?q=1\n"
            "x-custom: abc\n"
            "content-length: 4\n"
            "\n"
            "body");
}

TEST_F(H2UpstreamTool, HeadersMethodAnswersTheRequestHeadAsAMessage) {
  auto result = GrpcCall::unary(upstream.port(), "/echo.Echo/Headers", "echo.test", "ignored",
                                {{"grpc-timeout", "5S"}});
  EXPECT_EQ(result.grpcStatus(), "0");
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0],
            "POST /echo.Echo/Headers\n"
            ":method: POST\n"
            ":scheme: http\n"
            ":authority: echo.test\n"
            ":path: /echo.Echo/Headers\n"
            "content-type: application/grpc\n"
            "te: trailers\n"
            "grpc-timeout: 5S\n"
            "\n");
}

TEST_F(H2UpstreamTool, PlainResponseCarriesTheTrailersAskedFor) {
  Http2Request request;
  request.path = "/with-trailers";
  request.headers = {{"x-response-trailer", "x-checksum: abc"}, {"x-response-trailer", "x-n:1"}};
  auto response = http2Fetch(upstream.port(), request);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with("GET /with-trailers\n"));
  EXPECT_EQ(response.trailers,
            (std::map<std::string, std::string>{{"x-checksum", "abc"}, {"x-n", "1"}}));
}

TEST_F(H2UpstreamTool, ResponseBytesStreamsALargeBodyUnderFlowControl) {
  Http2Request request;
  request.path = "/big";
  request.headers = {{"x-response-bytes", "3000000"}};
  auto response = http2Fetch(upstream.port(), request, 10s);
  EXPECT_FALSE(response.timedOut);
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(response.body.size(), 3'000'000u);
  EXPECT_EQ(response.body.find_first_not_of('x'), std::string::npos);
}

TEST_F(H2UpstreamTool, LargeRequestBodyIsEchoedWhole) {
  const std::string body(1'000'000, 'b');
  Http2Request request;
  request.method = "PUT";
  request.path = "/upload";
  request.body = body;
  auto response = http2Fetch(upstream.port(), request, 10s);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.ends_with("\n\n" + body));
}

TEST_F(H2UpstreamTool, StatsCountConnectionsAndStreams) {
  EXPECT_EQ(upstream.connections(), 0u);
  EXPECT_EQ(upstream.streams(), 0u);
  // Three streams multiplexed on one connection, plus one unary call on its own.
  auto connection = Http2ClientConnection::connect(upstream.port());
  ASSERT_TRUE(connection);
  std::vector<int32_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(connection->open("GET", "http", "app.test", "/s" + std::to_string(i), {}, true));
  }
  const bool done = connection->pumpUntil(
      [&] {
        for (int32_t id : ids) {
          if (!connection->stream(id)->remoteEnded) return false;
        }
        return true;
      },
      std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(done);
  for (int32_t id : ids) EXPECT_EQ(connection->stream(id)->status, 200);
  EXPECT_EQ(GrpcCall::unary(upstream.port(), "/echo.Echo/Unary", "echo.test", "x").grpcStatus(),
            "0");
  EXPECT_EQ(upstream.connections(), 2u);
  EXPECT_EQ(upstream.streams(), 4u);
}

TEST_F(H2UpstreamTool, ManyConcurrentCallsOnSeparateConnections) {
  std::vector<std::unique_ptr<GrpcCall>> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back(GrpcCall::start(upstream.port(), "/echo.Echo/Bidi", "echo.test"));
    ASSERT_TRUE(calls.back());
  }
  for (size_t i = 0; i < calls.size(); ++i) ASSERT_TRUE(calls[i]->send("m" + std::to_string(i)));
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i]->read(2s).value_or("<none>"), "m" + std::to_string(i));
    calls[i]->closeSend();
    EXPECT_EQ(calls[i]->finish(2s).grpcStatus(), "0");
  }
}

TEST_F(H2UpstreamTool, ResetPathResetsTheStreamWithTheAskedCode) {
  auto result = GrpcCall::unary(upstream.port(), "/reset", "echo.test", "x",
                                {{"x-reset-code", "7"}});  // REFUSED_STREAM
  EXPECT_FALSE(result.timedOut);
  EXPECT_EQ(result.resetCode, 7u);
  EXPECT_EQ(result.httpStatus, 0);
  EXPECT_EQ(result.grpcStatus(), "");
  Http2Request request;
  request.path = "/reset";
  auto response = http2Fetch(upstream.port(), request);
  EXPECT_EQ(response.resetCode, 2u);  // INTERNAL_ERROR
  EXPECT_EQ(response.status, 0);
}

TEST_F(H2UpstreamTool, NonGrpcResponseBodyIsKeptAsBody) {
  auto result = GrpcCall::unary(upstream.port(), "/plain", "echo.test", "x");
  EXPECT_EQ(result.httpStatus, 200);
  EXPECT_TRUE(result.messages.empty());
  EXPECT_TRUE(result.body.starts_with("POST /plain\n")) << result.body;
  EXPECT_NE(result.body.find("te: trailers\n"), std::string::npos);
  EXPECT_NE(result.body.find("content-type: application/grpc\n"), std::string::npos);
  EXPECT_EQ(result.grpcStatus(), "");
}

TEST_F(H2UpstreamTool, RefusedConnectionIsAConnectionError) {
  const uint16_t closed = freePort();
  EXPECT_EQ(GrpcCall::start(closed, "/echo.Echo/Unary", "echo.test"), nullptr);
  EXPECT_TRUE(GrpcCall::unary(closed, "/echo.Echo/Unary", "echo.test", "x").connectionError);
  EXPECT_TRUE(http2Fetch(closed, {}).connectionError);
}

// The client's TLS mode needs an h2 server with TLS: the gateway terminating TLS (ALPN h2)
// in front of the HTTP/1.1 test upstream.

TEST(H2ClientTls, FetchesOverTlsWithAlpnH2AndVerifiesTheCertificate) {
  TempDir dir;
  TestPki pki{dir};
  Upstream app{"app"};
  const uint16_t httpsPort = freePort();
  Gateway gw(dir, tlsRouteConfig(httpsPort, pki.path(""), "app", 80) +
                      staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port()));
  ASSERT_TRUE(gw.ready()) << gw.log();

  Http2TlsOptions tls;
  tls.serverName = "a.example.com";
  tls.caFile = pki.path("ca.crt");
  auto connection = Http2ClientConnection::connectTls(httpsPort, tls);
  ASSERT_TRUE(connection) << gw.log();
  EXPECT_STREQ(connection->scheme(), "https");
  Http2Request request;
  request.path = "/tls-echo";
  request.authority = "a.example.com";
  for (int i = 0; i < 2; ++i) {  // two requests, one connection
    auto response = http2Fetch(*connection, request);
    ASSERT_EQ(response.status, 200) << response.body << gw.log();
    EXPECT_EQ(echoedTarget(response.body), "/tls-echo");
    EXPECT_EQ(echoedHeader(response.body, "x-forwarded-proto"), "https");
  }
  EXPECT_EQ(app.requests(), 2u);

  Http2TlsOptions untrusted = tls;
  untrusted.caFile = pki.path("other-ca.crt");
  EXPECT_EQ(Http2ClientConnection::connectTls(httpsPort, untrusted), nullptr);
}

}  // namespace
}  // namespace portico::testing
