// http2::ServerSession against an in-memory nghttp2 client: no sockets, bytes passed by hand.
#include "portico/http2/server_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace portico::http2 {
namespace {

struct Recorder : ServerSession::Handler {
  std::map<int32_t, std::vector<std::pair<std::string, std::string>>> headers;
  std::map<int32_t, std::string> bodies;
  std::vector<int32_t> heads, ends, resets, closes;
  std::string response = "hello";
  bool responseReady = true;

  void onStreamBegin(int32_t) noexcept override {}
  void onHeader(int32_t id, std::string_view n, std::string_view v) noexcept override {
    headers[id].emplace_back(n, v);
  }
  void onRequestHead(int32_t id, bool endStream) noexcept override {
    heads.push_back(id);
    if (endStream) ends.push_back(id);
  }
  void onData(int32_t id, std::string_view data) noexcept override { bodies[id].append(data); }
  void onRequestEnd(int32_t id) noexcept override { ends.push_back(id); }
  void onResetByPeer(int32_t id) noexcept override { resets.push_back(id); }
  void onStreamClose(int32_t id, uint32_t) noexcept override { closes.push_back(id); }
  std::optional<std::size_t> readResponseBody(int32_t, uint8_t* out, std::size_t capacity,
                                              bool& eof, bool&) noexcept override {
    if (!responseReady) return std::nullopt;
    std::size_t n = std::min(capacity, response.size());
    std::memcpy(out, response.data(), n);
    response.erase(0, n);
    eof = response.empty();
    return n;
  }
};

// The client end: records what the server sent.
struct Client {
  nghttp2_session* session = nullptr;
  std::map<int32_t, std::string> status;
  std::map<int32_t, std::string> body;
  uint32_t maxConcurrentStreams = 0;
  int windowUpdates = 0;

  Client() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
               const uint8_t* v, size_t vl, uint8_t, void* self) {
          if (std::string_view(reinterpret_cast<const char*>(n), nl) == ":status") {
            static_cast<Client*>(self)->status[f->hd.stream_id].assign(
                reinterpret_cast<const char*>(v), vl);
          }
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cb, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t len, void* self) {
          static_cast<Client*>(self)->body[id].append(reinterpret_cast<const char*>(d), len);
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* f, void* self) {
          auto* c = static_cast<Client*>(self);
          if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
            for (size_t i = 0; i < f->settings.niv; ++i) {
              if (f->settings.iv[i].settings_id == NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) {
                c->maxConcurrentStreams = f->settings.iv[i].value;
              }
            }
          }
          if (f->hd.type == NGHTTP2_WINDOW_UPDATE) ++c->windowUpdates;
          return 0;
        });
    nghttp2_session_client_new(&session, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Client() { nghttp2_session_del(session); }

  int32_t get(const char* path, nghttp2_data_provider* body = nullptr) {
    auto nv = [](const char* n, const char* v) {
      return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n)),
                        reinterpret_cast<uint8_t*>(const_cast<char*>(v)), std::strlen(n),
                        std::strlen(v), NGHTTP2_NV_FLAG_NONE};
    };
    nghttp2_nv headers[] = {nv(":method", body ? "POST" : "GET"), nv(":path", path),
                            nv(":scheme", "http"), nv(":authority", "example.com"),
                            nv("x-test", "1")};
    return nghttp2_submit_request(session, nullptr, headers, 5, body, nullptr);
  }
  std::string out() {
    std::string bytes;
    const uint8_t* data = nullptr;
    for (ssize_t n; (n = nghttp2_session_mem_send(session, &data)) > 0;) {
      bytes.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    return bytes;
  }
  void in(const std::string& bytes) {
    nghttp2_session_mem_recv(session, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
};

// Passes bytes both ways until neither side has anything to say.
void exchange(Client& client, ServerSession& server) {
  for (int round = 0; round < 20; ++round) {
    std::string up = client.out();
    if (!up.empty()) {
      ASSERT_TRUE(server.receive(reinterpret_cast<const uint8_t*>(up.data()), up.size()));
    }
    std::string down;
    ASSERT_TRUE(server.send(down, 1 << 20));
    if (!down.empty()) client.in(down);
    if (up.empty() && down.empty()) return;
  }
}

TEST(ServerSession, RequestHeadersReachTheHandlerAndTheResponseTheClient) {
  Recorder handler;
  Http2Settings settings;
  settings.maxConcurrentStreams = 42;
  ServerSession server(handler, settings);
  Client client;
  int32_t id = client.get("/a?b=1");
  exchange(client, server);
  ASSERT_EQ(handler.heads, std::vector<int32_t>{id});
  EXPECT_EQ(handler.ends, std::vector<int32_t>{id});
  auto& h = handler.headers[id];
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{":method", "GET"}));
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{":path", "/a?b=1"}));
  EXPECT_EQ(h.back(), (std::pair<std::string, std::string>{"x-test", "1"}));
  EXPECT_EQ(client.maxConcurrentStreams, 42u);

  ASSERT_TRUE(server.submitResponse(id, {{":status", "201"}, {"x-a", "b"}}, true));
  exchange(client, server);
  EXPECT_EQ(client.status[id], "201");
  EXPECT_EQ(client.body[id], "hello");
  EXPECT_EQ(handler.closes, std::vector<int32_t>{id});
}

TEST(ServerSession, DeferredBodyResumes) {
  Recorder handler;
  handler.responseReady = false;
  ServerSession server(handler, Http2Settings{});
  Client client;
  int32_t id = client.get("/");
  exchange(client, server);
  ASSERT_TRUE(server.submitResponse(id, {{":status", "200"}}, true));
  exchange(client, server);
  EXPECT_EQ(client.status[id], "200");
  EXPECT_EQ(client.body[id], "");
  handler.responseReady = true;
  server.resumeData(id);
  exchange(client, server);
  EXPECT_EQ(client.body[id], "hello");
}

TEST(ServerSession, WindowReopensOnlyAsTheBodyIsConsumed) {
  Recorder handler;
  Http2Settings settings;
  settings.initialStreamWindow = 65535;
  settings.connectionWindow = 65535;
  ServerSession server(handler, settings);
  Client client;
  static std::string upload(200000, 'u');
  static std::size_t sent = 0;
  sent = 0;
  nghttp2_data_provider provider{};
  provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                              nghttp2_data_source*, void*) -> ssize_t {
    std::size_t n = std::min(len, upload.size() - sent);
    std::memcpy(buf, upload.data() + sent, n);
    sent += n;
    if (sent == upload.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  };
  int32_t id = client.get("/up", &provider);
  exchange(client, server);
  // Nothing consumed: the client stopped at the initial window.
  EXPECT_EQ(handler.bodies[id].size(), 65535u);
  EXPECT_EQ(client.windowUpdates, 0);
  server.consume(id, handler.bodies[id].size());
  exchange(client, server);
  EXPECT_GT(client.windowUpdates, 0);
  EXPECT_GT(handler.bodies[id].size(), 65535u);
}

TEST(ServerSession, ResetByPeerIsReported) {
  Recorder handler;
  ServerSession server(handler, Http2Settings{});
  Client client;
  int32_t id = client.get("/");
  exchange(client, server);
  nghttp2_submit_rst_stream(client.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  exchange(client, server);
  EXPECT_EQ(handler.resets, std::vector<int32_t>{id});
  EXPECT_EQ(handler.closes, std::vector<int32_t>{id});
}

}  // namespace
}  // namespace portico::http2
