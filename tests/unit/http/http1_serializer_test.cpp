#include "portico/http/http1_serializer.h"

#include <gtest/gtest.h>

#include "portico/http/http1_response_reader.h"
#include "portico/http/local_reply.h"

namespace portico::http {
namespace {

TEST(Http1Serializer, RequestHeadCarriesHostHeadersAndFraming) {
  RequestHead head;
  head.method = "POST";
  head.path = "/p";
  head.query = "a=1";
  head.hasQuery = true;
  head.authority = "svc:8080";
  head.headers.add("X-A", "1");
  head.framing = BodyFraming::kChunked;
  std::string out;
  appendRequestHead(head, out);
  EXPECT_EQ(out,
            "POST /p?a=1 HTTP/1.1\r\nhost: svc:8080\r\nx-a: 1\r\n"
            "transfer-encoding: chunked\r\n\r\n");
}

TEST(Http1Serializer, ResponseHeadAndChunks) {
  LocalReply reply = makeLocalReply(404, "");
  std::string out;
  appendResponseHead(reply.head, 11, true, out);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  out.clear();
  appendResponseHead(reply.head, 10, false, out);
  EXPECT_EQ(out, "HTTP/1.0 404 Not Found\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n");
  out.clear();
  appendChunk("hello", out);
  appendChunk("", out);
  appendLastChunk(out);
  EXPECT_EQ(out, "5\r\nhello\r\n0\r\n\r\n");
}

TEST(Http1ResponseReader, ParsesUpstreamHeadAndStripsHopByHop) {
  ResponseHead head;
  auto r = Http1ResponseReader::parseHead(
      "HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\n"
      "X-App: a\r\n\r\n",
      head);
  ASSERT_FALSE(r.malformed) << r.detail;
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.framing, BodyFraming::kChunked);
  EXPECT_FALSE(head.keepAlive);
  ASSERT_EQ(head.headers.size(), 1u);
  EXPECT_EQ(head.headers.entries()[0].name, "x-app");

  EXPECT_TRUE(Http1ResponseReader::parseHead("HTTX/1.1 200 OK\r\n\r\n", head).malformed);
}

}  // namespace
}  // namespace portico::http
