// http2::ClientSession against http2::ServerSession, both real nghttp2, bytes passed by hand:
// requests with bodies, responses with trailers, trailers-only replies, resets, GOAWAY.
#include "portico/http2/client_session.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "portico/http2/server_session.h"

namespace portico::http2 {
namespace {

struct Upstream : ServerSession::Handler {
  ServerSession* session = nullptr;
  std::map<int32_t, std::map<std::string, std::string>> requestHeaders;
  std::map<int32_t, std::string> requestBodies;
  std::vector<int32_t> requestEnds;
  // What to answer on each stream once its request ended.
  std::vector<HeaderField> head{{":status", "200"}, {"content-type", "application/grpc"}};
  std::string body = "reply";
  std::vector<HeaderField> trailers;  // empty: END_STREAM on the DATA
  bool headOnly = false;
  std::vector<HeaderField> interim;  // a 1xx head sent before the response, when set
  std::map<int32_t, std::size_t> sent;

  void onStreamBegin(int32_t) noexcept override {}
  void onHeader(int32_t id, std::string_view n, std::string_view v) noexcept override {
    requestHeaders[id][std::string(n)] = std::string(v);
  }
  void onRequestHead(int32_t id, bool endStream) noexcept override {
    if (endStream) respond(id);
  }
  void onData(int32_t id, std::string_view data) noexcept override {
    requestBodies[id].append(data);
    session->consume(id, data.size());
  }
  void onRequestEnd(int32_t id) noexcept override { respond(id); }
  void onResetByPeer(int32_t) noexcept override {}
  void onStreamClose(int32_t, uint32_t) noexcept override {}
  std::optional<std::size_t> readResponseBody(int32_t id, uint8_t* out, std::size_t capacity,
                                              bool& eof, bool& withTrailers) noexcept override {
    std::size_t& offset = sent[id];
    std::size_t n = std::min(capacity, body.size() - offset);
    std::memcpy(out, body.data() + offset, n);
    offset += n;
    if (offset == body.size()) {
      eof = true;
      if (!trailers.empty()) withTrailers = session->submitTrailers(id, trailers);
    }
    return n;
  }
  void respond(int32_t id) {
    requestEnds.push_back(id);
    if (!interim.empty()) session->submitInterim(id, interim);
    session->submitResponse(id, head, !headOnly);
  }
};

struct Downstream : ClientSession::Handler {
  ClientSession* session = nullptr;
  std::map<int32_t, std::map<std::string, std::string>> fields, trailerFields;
  std::map<int32_t, std::string> bodies;
  std::map<int32_t, bool> headEnded;
  std::vector<int32_t> ends;
  std::map<int32_t, uint32_t> closes;
  int32_t goawayLast = -1;
  std::string requestBody;
  std::size_t requestSent = 0;
  bool deferBody = false;  // the body is not there yet

  void onResponseField(int32_t id, std::string_view n, std::string_view v,
                       bool trailer) noexcept override {
    (trailer ? trailerFields : fields)[id][std::string(n)] = std::string(v);
  }
  void onResponseHead(int32_t id, bool endStream) noexcept override { headEnded[id] = endStream; }
  void onResponseData(int32_t id, std::string_view data) noexcept override {
    bodies[id].append(data);
    session->consume(id, data.size());
  }
  void onResponseEnd(int32_t id) noexcept override { ends.push_back(id); }
  void onStreamClose(int32_t id, uint32_t code) noexcept override { closes[id] = code; }
  void onGoaway(int32_t last) noexcept override { goawayLast = last; }
  std::optional<std::size_t> readRequestBody(int32_t, uint8_t* out, std::size_t capacity,
                                             bool& eof) noexcept override {
    if (deferBody) return std::nullopt;
    std::size_t n = std::min(capacity, requestBody.size() - requestSent);
    std::memcpy(out, requestBody.data() + requestSent, n);
    requestSent += n;
    eof = requestSent == requestBody.size();
    return n;
  }
};

class ClientSessionTest : public ::testing::Test {
 protected:
  ClientSessionTest() : server_(upstream_, Http2Settings{}), client_(downstream_, Http2Settings{}) {
    upstream_.session = &server_;
    downstream_.session = &client_;
  }

  void pump() {
    for (int round = 0; round < 50; ++round) {
      std::string up, down;
      ASSERT_TRUE(client_.send(up, 1 << 20));
      if (!up.empty()) {
        ASSERT_TRUE(server_.receive(reinterpret_cast<const uint8_t*>(up.data()), up.size()));
      }
      ASSERT_TRUE(server_.send(down, 1 << 20));
      if (!down.empty()) {
        ASSERT_TRUE(client_.receive(reinterpret_cast<const uint8_t*>(down.data()), down.size()));
      }
      if (up.empty() && down.empty()) return;
    }
  }

  int32_t request(std::string_view method, bool withBody) {
    std::vector<HeaderField> head{{":method", method},
                                  {":scheme", "http"},
                                  {":authority", "svc.local"},
                                  {":path", "/echo.Echo/Unary"},
                                  {"te", "trailers"}};
    return client_.submitRequest(head, withBody);
  }

  Upstream upstream_;
  ServerSession server_;
  Downstream downstream_;
  ClientSession client_;
};

TEST_F(ClientSessionTest, RequestBodyArrivesAndResponseTrailersComeBack) {
  upstream_.trailers = {{"grpc-status", "0"}, {"grpc-message", "OK"}};
  downstream_.requestBody = std::string(100000, 'q');  // more than one DATA frame and window
  int32_t id = request("POST", true);
  ASSERT_GT(id, 0);
  pump();
  EXPECT_EQ(upstream_.requestHeaders[id][":authority"], "svc.local");
  EXPECT_EQ(upstream_.requestHeaders[id]["te"], "trailers");
  EXPECT_EQ(upstream_.requestBodies[id], downstream_.requestBody);
  EXPECT_EQ(downstream_.fields[id][":status"], "200");
  EXPECT_FALSE(downstream_.headEnded[id]);
  EXPECT_EQ(downstream_.bodies[id], "reply");
  EXPECT_EQ(downstream_.trailerFields[id]["grpc-status"], "0");
  EXPECT_EQ(downstream_.trailerFields[id]["grpc-message"], "OK");
  EXPECT_EQ(downstream_.ends, std::vector<int32_t>{id});
  EXPECT_EQ(downstream_.closes[id], 0u);
}

TEST_F(ClientSessionTest, TrailersOnlyReplyEndsWithTheHead) {
  upstream_.head = {{":status", "200"}, {"grpc-status", "13"}, {"grpc-message", "boom"}};
  upstream_.headOnly = true;
  int32_t id = request("GET", false);
  pump();
  EXPECT_TRUE(downstream_.headEnded[id]);
  EXPECT_EQ(downstream_.fields[id]["grpc-status"], "13");
  EXPECT_TRUE(downstream_.trailerFields[id].empty());
  EXPECT_EQ(downstream_.ends, std::vector<int32_t>{id});
}

TEST_F(ClientSessionTest, ManyStreamsShareTheConnection) {
  std::vector<int32_t> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(request("GET", false));
  pump();
  ASSERT_EQ(downstream_.ends.size(), 50u);
  for (int32_t id : ids) EXPECT_EQ(downstream_.bodies[id], "reply");
  EXPECT_EQ(client_.peerMaxConcurrentStreams(), Http2Settings{}.maxConcurrentStreams);
}

TEST_F(ClientSessionTest, ResetAndGoawayReachTheHandler) {
  downstream_.deferBody = true;  // the request never ends: the stream stays open
  int32_t id = request("POST", true);
  pump();
  server_.resetStream(id, ErrorCode::kRefusedStream);
  server_.shutdownGracefully();
  pump();
  EXPECT_EQ(downstream_.closes[id], static_cast<uint32_t>(ErrorCode::kRefusedStream));
  EXPECT_EQ(downstream_.goawayLast, id);
}

TEST_F(ClientSessionTest, InterimHeadsAreNotReported) {
  upstream_.head = {{":status", "200"}, {"x-final", "1"}};
  upstream_.interim = {{":status", "103"}, {"link", "</style.css>; rel=preload"}};
  upstream_.trailers = {{"grpc-status", "0"}};
  int32_t id = request("GET", false);
  pump();
  EXPECT_EQ(downstream_.fields[id][":status"], "200");
  EXPECT_EQ(downstream_.fields[id]["x-final"], "1");
  EXPECT_EQ(downstream_.fields[id].count("link"), 0u);
  EXPECT_FALSE(downstream_.headEnded[id]);
  EXPECT_EQ(downstream_.bodies[id], "reply");
  EXPECT_EQ(downstream_.trailerFields[id]["grpc-status"], "0");
  EXPECT_EQ(downstream_.trailerFields[id].count("x-final"), 0u);
}

}  // namespace
}  // namespace portico::http2
