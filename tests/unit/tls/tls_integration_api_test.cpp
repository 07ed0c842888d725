// The data-plane integration exactly as docs/tls.md shows it: a coroutine accept loop that
// wraps the accepted socket with SniSelector::sslContext(), handshakes with as_tuple (no
// exceptions), records the result and reads what the handshake chose.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/tls/tls_listener_contexts.h"
#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

struct Served {
  boost::system::error_code ec;
  std::string server, alpn, sni;
  bool hostOk = false, otherHostOk = true;
};

asio::awaitable<void> serveOne(asio::ip::tcp::acceptor& acceptor,
                               std::shared_ptr<const TlsListenerContexts> tlsContexts,
                               Served& out) {
  using asio::as_tuple;
  using asio::use_awaitable;
  auto [aec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
  if (aec) co_return;
  // 1. Pin the selector for the connection's life.
  std::shared_ptr<const SniSelector> selector = tlsContexts->forPort(443);
  // 2. Wrap the socket.
  asio::ssl::stream<asio::ip::tcp::socket> stream(std::move(socket), selector->sslContext());
  // 3. Handshake on this io_context.
  auto [ec] =
      co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
  selector->recordHandshake(stream.native_handle(), ec);
  out.ec = ec;
  if (ec) co_return;
  // 4. What it chose.
  const ServerTlsContext* server = SniSelector::selectedServer(stream.native_handle());
  out.server = server->label();
  out.alpn = std::string(SniSelector::alpn(stream.native_handle()));
  out.sni = std::string(SniSelector::serverName(stream.native_handle()));
  // 5. The 421 rule for a request's authority.
  out.hostOk = SniSelector::hostAllowed(*server, "a.example.com:443");
  out.otherHostOk = SniSelector::hostAllowed(*server, "b.example.com");
  co_await asio::async_write(stream, asio::buffer("hello", 5), as_tuple(use_awaitable));
  // 6. Clean close.
  co_await stream.async_shutdown(as_tuple(use_awaitable));
}

class TlsIntegrationApiTest : public TlsTest {};

TEST_F(TlsIntegrationApiTest, CoroutineAcceptHandshakeAndInspect) {
  route::Snapshot snapshot;
  route::Listener& https = snapshot.listeners[443];
  https.port = 443;
  https.protocol = config::Protocol::kHttps;
  https.servers.push_back(
      route::ServerBinding{"default/gw",
                           "https-a",
                           {"a.example.com"},
                           writeServer("a", serverCert("a.example.com", "DNS:a.example.com"))});
  TlsListenerContexts::Options options;
  options.http2 = true;
  auto built = TlsListenerContexts::build(snapshot, options);
  ASSERT_TRUE(built.errors.empty());

  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  Served served;
  asio::co_spawn(ioc, serveOne(acceptor, built.contexts, served), asio::detached);

  asio::ssl::context clientCtx(asio::ssl::context::tls_client);
  asio::ssl::stream<asio::ip::tcp::socket> client(ioc, clientCtx);
  SSL_set_tlsext_host_name(client.native_handle(), "a.example.com");
  static const unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(client.native_handle(), kAlpn, sizeof(kAlpn));
  std::string received;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        using asio::as_tuple;
        using asio::use_awaitable;
        auto [cec] = co_await client.next_layer().async_connect(acceptor.local_endpoint(),
                                                                as_tuple(use_awaitable));
        if (cec) co_return;
        auto [hec] = co_await client.async_handshake(asio::ssl::stream_base::client,
                                                     as_tuple(use_awaitable));
        if (hec) co_return;
        char buf[5];
        auto [rec, n] =
            co_await asio::async_read(client, asio::buffer(buf), as_tuple(use_awaitable));
        received.assign(buf, n);
        co_await client.async_shutdown(as_tuple(use_awaitable));
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(10));

  EXPECT_FALSE(served.ec) << served.ec.message();
  EXPECT_EQ(served.server, "Gateway default/gw server https-a");
  EXPECT_EQ(served.alpn, "h2");
  EXPECT_EQ(served.sni, "a.example.com");
  EXPECT_TRUE(served.hostOk);
  EXPECT_FALSE(served.otherHostOk);
  EXPECT_EQ(received, "hello");
  EXPECT_EQ(built.contexts->forPort(443)->stats().handshakes.load(), 1u);
  EXPECT_EQ(built.contexts->forPort(443)->stats().alpn_h2.load(), 1u);
}

}  // namespace
}  // namespace portico::tls::testing
