// The rapid-reset attack (CVE-2023-44487) against the real binary: a raw nghttp2 client
// opens streams and cancels each at once; the gateway must answer GOAWAY(ENHANCE_YOUR_CALM)
// and close, while a client that resets now and then is left alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

// A blocking loopback socket driven by an nghttp2 client session.
class RawH2Client {
 public:
  explicit RawH2Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        callbacks, [](nghttp2_session*, const nghttp2_frame* frame, void* self) {
          auto* client = static_cast<RawH2Client*>(self);
          if (frame->hd.type == NGHTTP2_GOAWAY) {
            client->goaway_ = true;
            client->goawayCode_ = frame->goaway.error_code;
          }
          if (frame->hd.type == NGHTTP2_HEADERS) ++client->responses_;
          return 0;
        });
    nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~RawH2Client() {
    nghttp2_session_del(session_);
    ::close(fd_);
  }

  bool connected() const { return connected_; }
  int32_t request(const std::string& path, uint16_t port) {
    const std::string authority = "127.0.0.1:" + std::to_string(port);
    auto nv = [](const std::string& name, const std::string& value) {
      return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                        reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                        value.size(), NGHTTP2_NV_FLAG_NONE};
    };
    const std::string m = ":method", get = "GET", p = ":path", s = ":scheme", http = "http",
                      a = ":authority";
    nghttp2_nv headers[] = {nv(m, get), nv(p, path), nv(s, http), nv(a, authority)};
    return nghttp2_submit_request(session_, nullptr, headers, 4, nullptr, nullptr);
  }
  void reset(int32_t id) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  }
  // Writes what the session has queued; false once the peer is gone.
  bool flush() {
    for (;;) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n <= 0) return n == 0;
      if (::send(fd_, data, static_cast<size_t>(n), MSG_NOSIGNAL) != n) return false;
    }
  }
  // Reads frames until GOAWAY, EOF or `timeout` passes; returns whether the peer closed.
  bool readUntilClosed(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    uint8_t buf[16384];
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
      nghttp2_session_mem_recv(session_, buf, static_cast<size_t>(n));
      flush();
    }
    return false;
  }
  // Reads whatever arrives within `window` (keeps the session's view current).
  void pump(std::chrono::milliseconds window) { readUntilClosed(window); }

  bool goaway_ = false;
  uint32_t goawayCode_ = 0;
  int responses_ = 0;

 private:
  int fd_ = -1;
  bool connected_ = false;
  nghttp2_session* session_ = nullptr;
};

class Http2RapidReset : public SingleRouteGatewayTest {};

TEST_F(Http2RapidReset, ResetFloodEarnsGoawayEnhanceYourCalm) {
  RawH2Client client(port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.flush());
  bool writable = true;
  // 300 streams, each cancelled as soon as its HEADERS left: far above the documented
  // bound (100 premature resets in 10 s), far below nghttp2's own token bucket (1000).
  for (int i = 0; i < 300 && writable; ++i) {
    int32_t id = client.request("/delay/2000", port);
    writable = client.flush();
    client.reset(id);
    writable = writable && client.flush();
  }
  bool closed = client.readUntilClosed(std::chrono::seconds(5));
  EXPECT_TRUE(client.goaway_);
  EXPECT_EQ(client.goawayCode_, static_cast<uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_TRUE(closed);
  EXPECT_NE(gw->log().find("streams reset by the client"), std::string::npos) << gw->log();
}

TEST_F(Http2RapidReset, OccasionalResetsAreServed) {
  RawH2Client client(port);
  ASSERT_TRUE(client.connected());
  // 50 cancelled streams, then a normal request on the same connection is answered.
  for (int i = 0; i < 50; ++i) {
    int32_t id = client.request("/delay/2000", port);
    ASSERT_TRUE(client.flush());
    client.reset(id);
    ASSERT_TRUE(client.flush());
  }
  client.request("/after", port);
  ASSERT_TRUE(client.flush());
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (client.responses_ == 0 && std::chrono::steady_clock::now() < end) {
    client.pump(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(client.responses_, 1);
  EXPECT_FALSE(client.goaway_);
  // The cancelled streams' upstream requests were abandoned, not waited for (2 s each).
  const std::string log = gw->log();
  EXPECT_EQ(log.find("\"GET /delay/2000 HTTP/2\" 200"), std::string::npos) << log;
  EXPECT_NE(log.find("\"GET /delay/2000 HTTP/2\" 0 DC"), std::string::npos) << log.substr(0, 3000);
}

}  // namespace
}  // namespace portico::testing
