#include "portico/http/http1_request_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::http {
namespace {

using Status = Http1RequestReader::Status;

Http1RequestReader::HeadResult parse(const std::string& bytes, RequestHead& head,
                                     CodecLimits limits = {}) {
  return Http1RequestReader::parseHead(bytes, limits, head);
}

Status statusOf(const std::string& bytes, CodecLimits limits = {}) {
  RequestHead head;
  return parse(bytes, head, limits).status;
}

TEST(Http1RequestReader, ParsesHeadAndStripsHopByHopHeaders) {
  RequestHead head;
  auto r = parse(
      "POST /a/../b?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Hop\r\n"
      "X-Hop: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: x\r\n"
      "Content-Length: 5\r\nX-Keep: yes\r\n\r\n",
      head);
  ASSERT_EQ(r.status, Status::kOk) << r.detail;
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.path, "/b");
  EXPECT_EQ(head.query, "x=1");
  EXPECT_EQ(head.authority, "example.com");
  EXPECT_EQ(head.framing, BodyFraming::kContentLength);
  EXPECT_EQ(head.contentLength, 5u);
  EXPECT_TRUE(head.keepAlive);
  ASSERT_EQ(head.headers.size(), 1u);
  EXPECT_EQ(head.headers.entries()[0].name, "x-keep");
}

TEST(Http1RequestReader, Http10AndConnectionClose) {
  RequestHead head;
  ASSERT_EQ(parse("GET / HTTP/1.0\r\n\r\n", head).status, Status::kOk);
  EXPECT_EQ(head.version, 10u);
  EXPECT_FALSE(head.keepAlive);
  ASSERT_EQ(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", head).status, Status::kOk);
  EXPECT_TRUE(head.keepAlive);
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", head).status,
            Status::kOk);
  EXPECT_FALSE(head.keepAlive);
}

TEST(Http1RequestReader, ExpectContinueAndChunked) {
  RequestHead head;
  ASSERT_EQ(parse("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n",
                  head)
                .status,
            Status::kOk);
  EXPECT_TRUE(head.expectContinue);
  EXPECT_EQ(head.framing, BodyFraming::kChunked);
  EXPECT_FALSE(head.headers.has("expect"));
  EXPECT_FALSE(head.headers.has("transfer-encoding"));
}

TEST(Http1RequestReader, RejectsMalformedRequests) {
  // Content-Length together with Transfer-Encoding, in either order.
  EXPECT_EQ(statusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"),
            Status::kBadRequest);
  EXPECT_EQ(statusOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Length: 3\r\n\r\n"),
            Status::kBadRequest);
  // Two different Content-Lengths.
  EXPECT_EQ(
      statusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
      Status::kBadRequest);
  // obs-fold.
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n"),
            Status::kBadRequest);
  // Whitespace before the colon.
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n"), Status::kBadRequest);
  // Control bytes in a value.
  EXPECT_EQ(statusOf(std::string("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n")),
            Status::kBadRequest);
  // Missing Host on HTTP/1.1; two Hosts.
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"), Status::kBadRequest);
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), Status::kBadRequest);
  // A transfer coding other than chunked last.
  EXPECT_EQ(statusOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Status::kBadRequest);
  // Bad Content-Length, bad version, bad target.
  EXPECT_EQ(statusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
            Status::kBadRequest);
  EXPECT_EQ(statusOf("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), Status::kBadRequest);
  EXPECT_EQ(statusOf("GET nothing HTTP/1.1\r\nHost: h\r\n\r\n"), Status::kBadRequest);
}

TEST(Http1RequestReader, EnforcesRequestLineAndHeaderLimits) {
  std::string longTarget = "/" + std::string(17 * 1024, 'a');
  EXPECT_EQ(statusOf("GET " + longTarget + " HTTP/1.1\r\nHost: h\r\n\r\n"), Status::kUriTooLong);
  // Incomplete but already too long: 414 without waiting for the rest.
  EXPECT_EQ(statusOf("GET " + longTarget), Status::kUriTooLong);

  std::string big = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 70; ++i)
    big += "X-H" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
  EXPECT_EQ(statusOf(big + "\r\n"), Status::kHeadersTooLarge);

  CodecLimits small;
  small.maxRequestLineBytes = 64;
  small.maxHeaderBytes = 128;
  EXPECT_EQ(statusOf("GET /" + std::string(80, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", small),
            Status::kUriTooLong);
  EXPECT_EQ(
      statusOf("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(200, 'v') + "\r\n\r\n", small),
      Status::kHeadersTooLarge);
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(60, 'v') + "\r\n\r\n", small),
            Status::kOk);
}

TEST(Http1RequestReader, RepeatedHeadersJoinForMatchers) {
  RequestHead head;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n", head).status,
            Status::kOk);
  EXPECT_EQ(head.headers.find("x-a").value_or(""), "1,2");
  EXPECT_EQ(head.headers.get("x-a").value_or(""), "1");
}

TEST(Http1RequestReader, WebSocketUpgradeKeepsUpgradeAndConnection) {
  RequestHead head;
  auto r = parse(
      "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: WebSocket\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n",
      head);
  ASSERT_EQ(r.status, Status::kOk) << r.detail;
  EXPECT_TRUE(head.upgrade);
  EXPECT_EQ(head.headers.get("upgrade").value_or(""), "WebSocket");
  EXPECT_EQ(head.headers.get("connection").value_or(""), "upgrade");
  EXPECT_EQ(head.headers.get("sec-websocket-key").value_or(""), "k");
}

TEST(Http1RequestReader, OtherUpgradesStayHopByHop) {
  RequestHead h2c;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
                  h2c)
                .status,
            Status::kOk);
  EXPECT_FALSE(h2c.upgrade);
  EXPECT_FALSE(h2c.headers.has("upgrade"));
  EXPECT_FALSE(h2c.headers.has("connection"));
  // Upgrade without the Connection token is not an upgrade request (RFC 9110 7.8).
  RequestHead noToken;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", noToken).status,
            Status::kOk);
  EXPECT_FALSE(noToken.upgrade);
  EXPECT_FALSE(noToken.headers.has("upgrade"));
  // HTTP/1.0 cannot upgrade.
  RequestHead old;
  ASSERT_EQ(parse("GET / HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", old)
                .status,
            Status::kOk);
  EXPECT_FALSE(old.upgrade);
}

}  // namespace
}  // namespace portico::http
