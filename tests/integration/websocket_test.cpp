// WebSocket through the gateway: a real Beast client, the real binary, and the test
// upstream's Beast echo endpoint (/ws) on loopback.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/configs.h"
#include "support/gateway.h"
#include "tls_pki.h"

namespace portico::testing {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

// A WebSocket client whose every operation is bounded: each runs the io_context for at
// most `limit`, then the socket is closed and the operation reports timed_out.
class WsClient {
 public:
  explicit WsClient(uint16_t port) : port_(port) {}

  template <typename Start>
  boost::system::error_code run(Start start,
                                std::chrono::seconds limit = std::chrono::seconds(10)) {
    boost::system::error_code result = asio::error::timed_out;
    bool done = false;
    start([&](boost::system::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    io_.restart();
    io_.run_for(limit);
    if (!done) {
      beast::get_lowest_layer(ws_).close();
      io_.restart();
      io_.run_for(std::chrono::seconds(2));
      result = asio::error::timed_out;
    }
    return result;
  }

  boost::system::error_code handshake(const std::string& target) {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port_);
    auto ec = run([&](auto handler) { beast::get_lowest_layer(ws_).async_connect(endpoint, handler); });
    if (ec) return ec;
    return run([&](auto handler) {
      ws_.async_handshake(response_, "ws.example.com", target, handler);
    });
  }
  boost::system::error_code write(const std::string& data, bool text) {
    ws_.text(text);
    return run([&](auto handler) { ws_.async_write(asio::buffer(data), handler); });
  }
  boost::system::error_code read(std::string& out, bool* text = nullptr) {
    beast::flat_buffer buffer;
    auto ec = run([&](auto handler) { ws_.async_read(buffer, handler); });
    out = beast::buffers_to_string(buffer.data());
    if (text) *text = ws_.got_text();
    return ec;
  }
  boost::system::error_code close() {
    return run([&](auto handler) { ws_.async_close(websocket::close_code::normal, handler); });
  }
  const websocket::response_type& response() const { return response_; }

 private:
  uint16_t port_;
  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_{io_};
  websocket::response_type response_;
};

class WebSocketThroughGateway : public ::testing::Test {
 protected:
  TempDir dir;
  Upstream app{"app"};
  uint16_t port = freePort();

  std::string config() {
    return seedGateway(port) +
           staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port()) +
           "apiVersion: networking.istio.io/v1\n"
           "kind: VirtualService\n"
           "metadata:\n"
           "  name: vs\n"
           "spec:\n"
           "  hosts: [\"*\"]\n"
           "  gateways: [product-gateway]\n"
           "  http:\n"
           "  - match: [{uri: {prefix: /local}}]\n"
           "    directResponse: {status: 200, body: {string: \"local\"}}\n"
           "  - route: [{destination: {host: app, port: {number: 80}}}]\n";
  }
  std::string stats(const Gateway& gw) {
    return curl("http://127.0.0.1:" + std::to_string(gw.adminPort()) + "/stats").body;
  }
  // Polls /stats until `line` shows (the gateway updates gauges after the client saw the end).
  bool statsShow(const Gateway& gw, const std::string& line) {
    for (int i = 0; i < 50; ++i) {
      if (stats(gw).find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(WebSocketThroughGateway, EchoesTextAndBinaryMessagesAndCloses) {
  Gateway gw(dir, config());
  ASSERT_TRUE(gw.ready()) << gw.log();
  WsClient client(port);
  ASSERT_FALSE(client.handshake("/ws")) << gw.log();
  EXPECT_EQ(client.response().result_int(), 101u);
  EXPECT_TRUE(beast::iequals(client.response()[beast::http::field::upgrade], "websocket"));
  EXPECT_TRUE(statsShow(gw, "portico_websocket_active: 1\n")) << stats(gw);

  for (int i = 0; i < 3; ++i) {
    std::string sent = "hello " + std::to_string(i);
    ASSERT_FALSE(client.write(sent, true));
    std::string got;
    bool text = false;
    ASSERT_FALSE(client.read(got, &text));
    EXPECT_EQ(got, sent);
    EXPECT_TRUE(text);
  }
  std::string big(100 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  ASSERT_FALSE(client.write(big, false));
  std::string got;
  bool text = true;
  ASSERT_FALSE(client.read(got, &text));
  EXPECT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big);
  EXPECT_FALSE(text);

  EXPECT_FALSE(client.close());  // the upstream answered the close frame through the tunnel
  EXPECT_TRUE(statsShow(gw, "portico_websocket_upgrades_total: 1\n")) << stats(gw) << gw.log();
  EXPECT_TRUE(statsShow(gw, "portico_websocket_active: 0\n")) << stats(gw);
}

TEST_F(WebSocketThroughGateway, RefusedUpgradePassesTheUpstreamAnswerThrough) {
  Gateway gw(dir, config());
  ASSERT_TRUE(gw.ready()) << gw.log();
  WsClient client(port);
  // The test upstream answers /status/403 with 403 whatever the headers say.
  auto ec = client.handshake("/status/403");
  EXPECT_EQ(ec, websocket::error::upgrade_declined) << ec.message();
  EXPECT_EQ(client.response().result_int(), 403u);
  EXPECT_EQ(client.response()["x-upstream-name"], "app");
  EXPECT_TRUE(statsShow(gw, "portico_websocket_upgrades_total: 0\n")) << stats(gw);
}

TEST_F(WebSocketThroughGateway, UpgradeHeadersReachTheUpstreamOnlyForWebSocket) {
  Gateway gw(dir, config());
  ASSERT_TRUE(gw.ready()) << gw.log();
  // Not a WebSocket upgrade (h2c): Upgrade stays hop-by-hop and is stripped.
  std::string h2c = rawExchange(port,
                                "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\n"
                                "Upgrade: h2c\r\n\r\n");
  EXPECT_NE(h2c.find("HTTP/1.1 200"), std::string::npos) << h2c;
  EXPECT_EQ(h2c.find("h2c"), std::string::npos) << h2c;
  // A WebSocket upgrade the upstream does not accept (no /ws): its answer comes back, and
  // it saw both headers.
  std::string ws = rawExchange(port,
                               "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\n"
                               "Upgrade: websocket\r\n\r\n",
                               std::chrono::seconds(5));
  EXPECT_NE(ws.find("HTTP/1.1 200"), std::string::npos) << ws;
  EXPECT_NE(ws.find("[\"upgrade\",\"websocket\"]"), std::string::npos) << ws;
  EXPECT_NE(ws.find("[\"connection\",\"upgrade\"]"), std::string::npos) << ws;
}

TEST_F(WebSocketThroughGateway, DirectResponseRouteAnswersLocally) {
  Gateway gw(dir, config());
  ASSERT_TRUE(gw.ready()) << gw.log();
  WsClient client(port);
  auto ec = client.handshake("/local/ws");
  EXPECT_EQ(ec, websocket::error::upgrade_declined) << ec.message();
  EXPECT_EQ(client.response().result_int(), 200u);
  EXPECT_EQ(client.response().body(), "local");
  EXPECT_EQ(app.requests(), 0u);
}

TEST_F(WebSocketThroughGateway, IdleTunnelIsClosed) {
  GatewayOptions options;
  options.extraArgs = {"--websocket-idle-timeout-s", "1"};
  Gateway gw(dir, config(), options);
  ASSERT_TRUE(gw.ready()) << gw.log();
  WsClient client(port);
  ASSERT_FALSE(client.handshake("/ws")) << gw.log();
  // Traffic keeps it open past the timeout...
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_FALSE(client.write("ping", true));
    std::string got;
    ASSERT_FALSE(client.read(got));
    EXPECT_EQ(got, "ping");
  }
  // ...silence closes it.
  auto start = Clock::now();
  std::string got;
  auto ec = client.read(got);
  auto waited = Clock::now() - start;
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, asio::error::timed_out) << "the gateway did not close the idle tunnel";
  EXPECT_GE(waited, std::chrono::milliseconds(800));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_TRUE(statsShow(gw, "portico_websocket_active: 0\n")) << stats(gw);
}

// A hand-made upstream, to see the tunnel's edges: it answers 101 with a first tunnel byte
// in the same packet, collects what the client sends until the client's FIN reaches it,
// then answers and closes. The client must get that answer after its own half-close.
TEST(WebSocketTunnel, HalfCloseIsPassedOnBothWays) {
  using asio::ip::tcp;
  constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  TempDir dir;
  uint16_t port = freePort();
  std::string config =
      seedGateway(port) +
      staticServiceEntry("raw", "raw.default.svc.cluster.local", 80, acceptor.local_endpoint().port()) +
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs\nspec:\n"
      "  hosts: [\"*\"]\n  gateways: [product-gateway]\n  http:\n"
      "  - route: [{destination: {host: raw, port: {number: 80}}}]\n";
  Gateway gw(dir, config);
  ASSERT_TRUE(gw.ready()) << gw.log();

  std::string upstreamHead, upstreamGot, clientGot;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto [aec, socket] = co_await acceptor.async_accept(kTuple);
        if (aec) co_return;
        std::string buffer;
        auto [hec, hn] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                         "\r\n\r\n", kTuple);
        if (hec) co_return;
        upstreamHead = buffer.substr(0, hn);
        upstreamGot = buffer.substr(hn);
        std::string answer =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "X-From: raw\r\n\r\n!";
        co_await asio::async_write(socket, asio::buffer(answer), kTuple);
        auto [rec, rn] = co_await asio::async_read(socket, asio::dynamic_buffer(upstreamGot), kTuple);
        (void)rn;
        if (rec != asio::error::eof) co_return;  // the client's FIN must arrive as a FIN
        std::string reply = "got " + std::to_string(upstreamGot.size());
        co_await asio::async_write(socket, asio::buffer(reply), kTuple);
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket(io);
        auto [cec] = co_await socket.async_connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kTuple);
        if (cec) co_return;
        std::string request =
            "GET /tunnel HTTP/1.1\r\nHost: raw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            "\r\nhello";  // tunnel bytes right behind the head
        co_await asio::async_write(socket, asio::buffer(request), kTuple);
        auto [hec, hn] = co_await asio::async_read_until(socket, asio::dynamic_buffer(clientGot),
                                                         "\r\n\r\n", kTuple);
        if (hec) co_return;
        std::string more = " world";
        co_await asio::async_write(socket, asio::buffer(more), kTuple);
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        co_await asio::async_read(socket, asio::dynamic_buffer(clientGot), kTuple);
      },
      asio::detached);
  io.run_for(std::chrono::seconds(10));

  EXPECT_NE(upstreamHead.find("upgrade: websocket\r\n"), std::string::npos) << upstreamHead;
  EXPECT_NE(upstreamHead.find("connection: upgrade\r\n"), std::string::npos) << upstreamHead;
  EXPECT_EQ(upstreamGot, "hello world");
  EXPECT_TRUE(clientGot.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << clientGot;
  EXPECT_NE(clientGot.find("x-from: raw\r\n"), std::string::npos) << clientGot;
  EXPECT_TRUE(clientGot.ends_with("\r\n\r\n!got 11")) << clientGot;
}

// The same tunnel over a TLS listener: reads and writes of the TLS stream run at once.
TEST(WebSocketOverTls, EchoesThroughATerminatingListener) {
  TempDir dir;
  TestPki pki(dir);
  Upstream app{"app"};
  uint16_t port = freePort();
  std::string config =
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n"
      "  selector: {istio: ingressgateway}\n  servers:\n"
      "  - port: {number: " + std::to_string(port) + ", name: https, protocol: HTTPS}\n"
      "    hosts: [a.example.com]\n"
      "    tls: {mode: SIMPLE, serverCertificate: " + pki.path("a.crt") +
      ", privateKey: " + pki.path("a.key") + "}\n---\n" +
      staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port()) +
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n"
      "  hosts: [a.example.com]\n  gateways: [gw]\n  http:\n"
      "  - route: [{destination: {host: app, port: {number: 80}}}]\n";
  Gateway gw(dir, config);
  ASSERT_TRUE(gw.ready()) << gw.log();

  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.load_verify_file(pki.path("ca.crt"));
  tls.set_verify_mode(asio::ssl::verify_peer);
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, tls);
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "a.example.com");
  auto run = [&](auto start) {
    boost::system::error_code result = asio::error::timed_out;
    start([&](boost::system::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run_for(std::chrono::seconds(10));
    return result;
  };
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  ASSERT_FALSE(run([&](auto h) { beast::get_lowest_layer(ws).async_connect(endpoint, h); }));
  ASSERT_FALSE(run([&](auto h) { ws.next_layer().async_handshake(asio::ssl::stream_base::client, h); }));
  websocket::response_type response;
  ASSERT_FALSE(run([&](auto h) { ws.async_handshake(response, "a.example.com", "/ws", h); }))
      << gw.log();
  EXPECT_EQ(response.result_int(), 101u);
  std::string big(100 * 1024, 'w');
  for (const std::string& sent : {std::string("over tls"), big}) {
    ws.text(sent.size() < 100);
    ASSERT_FALSE(run([&](auto h) { ws.async_write(asio::buffer(sent), h); }));
    beast::flat_buffer buffer;
    ASSERT_FALSE(run([&](auto h) { ws.async_read(buffer, h); }));
    EXPECT_TRUE(beast::buffers_to_string(buffer.data()) == sent);
  }
  EXPECT_FALSE(run([&](auto h) { ws.async_close(websocket::close_code::normal, h); }));
}

}  // namespace
}  // namespace portico::testing
