// Malformed requests answer 4xx, close, and never reach an upstream.
#include <gtest/gtest.h>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

class StrictInput : public SingleRouteGatewayTest {
 protected:
  // The status code of the gateway's answer to `raw`.
  int statusOf(const std::string& raw) {
    std::string out = rawExchange(port, raw);
    if (!out.starts_with("HTTP/1.")) return 0;
    return std::stoi(out.substr(9, 3));
  }
};

TEST_F(StrictInput, MalformedFramingIs400AndNeverReachesUpstream) {
  const std::string cases[] = {
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-Space : v\r\n\r\n",
      std::string("GET / HTTP/1.1\r\nHost: a\r\nX-Ctl: a\x01z\r\n\r\n"),
      "GET / HTTP/1.1\r\n\r\n",  // HTTP/1.1 without Host
      "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
  };
  for (const auto& c : cases) {
    EXPECT_EQ(statusOf(c), 400) << "request: " << c;
    EXPECT_EQ(app.requests(), 0u) << "reached the upstream: " << c;
  }
}

TEST_F(StrictInput, OversizedRequestLineAndHeaders) {
  EXPECT_EQ(statusOf("GET /" + std::string(17 * 1024, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"), 414);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 70; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
  EXPECT_EQ(statusOf(many + "\r\n"), 431);
  EXPECT_EQ(app.requests(), 0u);
}

TEST_F(StrictInput, WellFormedRequestStillWorksAfterGarbage) {
  EXPECT_EQ(statusOf("\x16\x03\x01garbage\r\n\r\n"), 400);
  EXPECT_EQ(statusOf("GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), 200);
  EXPECT_EQ(statusOf("GET /ok HTTP/1.0\r\n\r\n"), 200);  // HTTP/1.0 needs no Host
}

TEST_F(StrictInput, PipelinedRequestsAnsweredInOrder) {
  std::string out = rawExchange(port,
                                "GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\n"
                                "GET /status/202 HTTP/1.1\r\nHost: a\r\n\r\n"
                                "GET /status/203 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  auto a = out.find("HTTP/1.1 201"), b = out.find("HTTP/1.1 202"), c = out.find("HTTP/1.1 203");
  ASSERT_NE(a, std::string::npos) << out;
  ASSERT_NE(b, std::string::npos) << out;
  ASSERT_NE(c, std::string::npos) << out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(StrictInput, HopByHopHeadersAreStripped) {
  auto r = curl("-H 'Connection: keep-alive, X-Secret' -H 'X-Secret: 1' -H 'Keep-Alive: timeout=5' "
                "-H 'Proxy-Connection: keep-alive' -H 'TE: trailers' http://127.0.0.1:" +
                std::to_string(port) + "/echo");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(echoedHeader(r.body, "x-secret"), "");
  EXPECT_EQ(echoedHeader(r.body, "keep-alive"), "");
  EXPECT_EQ(echoedHeader(r.body, "proxy-connection"), "");
  EXPECT_EQ(echoedHeader(r.body, "te"), "");
  EXPECT_EQ(echoedHeader(r.body, "via"), "");
}

}  // namespace
}  // namespace portico::testing
