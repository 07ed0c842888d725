// core::DownstreamTransport on loopback: the plain and the TLS path through Asio's free
// functions, and certificate rotation as the reload does it: a new snapshot with contexts
// built against the previous one serves the new certificate to new handshakes, while a
// connection made before keeps working after the old snapshot is gone.
#include "portico/core/downstream_transport.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>

#include "portico/tls/tls_listener_contexts.h"
#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

using asio::ip::tcp;
using core::DownstreamTransport;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Runs `ioc` until `done` or 10 s pass.
bool runUntil(asio::io_context& ioc, const bool& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  ioc.restart();
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_for(std::chrono::milliseconds(50));
  }
  return done;
}

// Echo server side: answers every 4-byte message with "pong" through the transport, using
// asio::async_read / async_write (the free functions the codec uses).
asio::awaitable<void> pongLoop(DownstreamTransport& transport) {
  char buf[4];
  for (;;) {
    auto [ec, n] = co_await asio::async_read(transport, asio::buffer(buf), kAwait);
    if (ec) co_return;
    auto [wec, w] = co_await asio::async_write(transport, asio::buffer("pong", 4), kAwait);
    if (wec) co_return;
  }
}

template <typename Stream>
asio::awaitable<std::string> ping(Stream& client) {
  auto [ec, n] = co_await asio::async_write(client, asio::buffer("ping", 4), kAwait);
  if (ec) co_return "write: " + ec.message();
  char buf[4];
  auto [rec, r] = co_await asio::async_read(client, asio::buffer(buf), kAwait);
  if (rec) co_return "read: " + rec.message();
  co_return std::string(buf, 4);
}

std::string peerCommonName(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

TEST(DownstreamTransportTest, PlainBytesPassThroughAsioFreeFunctions) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(ioc);
  client.connect(acceptor.local_endpoint());
  DownstreamTransport transport(acceptor.accept());
  EXPECT_FALSE(transport.isTls());
  EXPECT_EQ(transport.tlsServer(), nullptr);
  EXPECT_EQ(transport.alpn(), "");

  asio::co_spawn(ioc, pongLoop(transport), asio::detached);
  bool done = false;
  std::string answer;
  asio::co_spawn(ioc, ping(client), [&](std::exception_ptr, std::string s) {
    answer = std::move(s);
    done = true;
  });
  ASSERT_TRUE(runUntil(ioc, done));
  EXPECT_EQ(answer, "pong");
  transport.close();
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(200));
}

class TlsRotationTest : public TlsTest {
 protected:
  // A snapshot as the compiler makes it: port 443 with one SIMPLE server.
  std::shared_ptr<route::Snapshot> makeSnapshot() {
    auto snapshot = std::make_shared<route::Snapshot>();
    route::Listener& listener = snapshot->listeners[443];
    listener.port = 443;
    listener.protocol = config::Protocol::kHttps;
    route::ServerBinding binding;
    binding.gateway = "default/gw";
    binding.portName = "https-a";
    binding.hosts = {"a.example.com"};
    binding.tls = aTls_;
    listener.servers.push_back(std::move(binding));
    return snapshot;
  }

  // A client connection through `selector`: handshake on both ends. Fills `server`.
  std::unique_ptr<asio::ssl::stream<tcp::socket>> connect(
      asio::io_context& ioc, std::shared_ptr<const SniSelector> selector,
      std::unique_ptr<DownstreamTransport>& server) {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto client = std::make_unique<asio::ssl::stream<tcp::socket>>(ioc, clientContext_);
    client->next_layer().connect(acceptor.local_endpoint());
    SSL_set_tlsext_host_name(client->native_handle(), "a.example.com");
    server = std::make_unique<DownstreamTransport>(acceptor.accept(), std::move(selector));
    bool serverDone = false, clientDone = false;
    boost::system::error_code serverEc, clientEc;
    asio::co_spawn(ioc, server->handshake(std::chrono::seconds(5)),
                   [&](std::exception_ptr, boost::system::error_code ec) {
                     serverEc = ec;
                     serverDone = true;
                   });
    client->async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code ec) {
      clientEc = ec;
      clientDone = true;
    });
    bool both = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    ioc.restart();
    while (!(serverDone && clientDone) && std::chrono::steady_clock::now() < deadline) {
      ioc.run_one_for(std::chrono::milliseconds(50));
    }
    both = serverDone && clientDone;
    EXPECT_TRUE(both);
    EXPECT_FALSE(serverEc) << serverEc.message();
    EXPECT_FALSE(clientEc) << clientEc.message();
    return client;
  }

  std::string exchange(asio::io_context& ioc, asio::ssl::stream<tcp::socket>& client) {
    bool done = false;
    std::string answer;
    asio::co_spawn(ioc, ping(client), [&](std::exception_ptr, std::string s) {
      answer = std::move(s);
      done = true;
    });
    if (!runUntil(ioc, done)) return "timeout";
    return answer;
  }

  void SetUp() override {
    aTls_ = writeServer("a", serverCert("a.example.com", "DNS:a.example.com"));
    options_.credentialsDir = dir_.path() / "credentials";
    clientContext_.set_verify_mode(asio::ssl::verify_none);
  }

  config::ServerTls aTls_;
  TlsListenerContexts::Options options_;
  asio::ssl::context clientContext_{asio::ssl::context::tls_client};
};

TEST_F(TlsRotationTest, ANewSnapshotServesRotatedFilesAndOldConnectionsKeepWorking) {
  asio::io_context ioc;
  std::shared_ptr<route::Snapshot> first = makeSnapshot();
  auto built = TlsListenerContexts::attach(*first, options_, nullptr);
  ASSERT_TRUE(built.errors.empty());
  ASSERT_NE(first->tls, nullptr);

  // A connection made under the first snapshot: it pins its port's selector, not the snapshot.
  std::unique_ptr<DownstreamTransport> oldServer;
  auto oldClient = connect(ioc, first->tls->forPort(443), oldServer);
  ASSERT_TRUE(oldServer->isTls());
  ASSERT_NE(oldServer->tlsServer(), nullptr);
  EXPECT_EQ(oldServer->tlsServer()->label(), "Gateway default/gw server https-a");
  EXPECT_EQ(oldServer->sni(), "a.example.com");
  EXPECT_EQ(TlsListenerContexts::bindingOf(*first, 443, *oldServer->tlsServer()),
            &first->listeners[443].servers[0]);
  EXPECT_EQ(peerCommonName(oldClient->native_handle()), "a.example.com");
  asio::co_spawn(ioc, pongLoop(*oldServer), asio::detached);
  EXPECT_EQ(exchange(ioc, *oldClient), "pong");

  // cert-manager rewrites the files; the reload notices, compiles a new snapshot and builds
  // its contexts against the published one, then publishes it and drops the old one.
  KeyAndCert renewed = serverCert("a.example.com renewed", "DNS:a.example.com");
  writeFile(aTls_.serverCertificate, renewed.certPem());
  writeFile(aTls_.privateKey, renewed.keyPem());
  EXPECT_TRUE(first->tls->certificatesChanged());
  std::shared_ptr<route::Snapshot> second = makeSnapshot();
  auto rebuilt = TlsListenerContexts::attach(*second, options_, first.get());
  EXPECT_TRUE(rebuilt.errors.empty());
  EXPECT_FALSE(second->tls->certificatesChanged());
  first.reset();

  // The old connection still works, and its server is found in the new snapshot for routing.
  EXPECT_EQ(exchange(ioc, *oldClient), "pong");
  EXPECT_EQ(TlsListenerContexts::bindingOf(*second, 443, *oldServer->tlsServer()),
            &second->listeners[443].servers[0]);

  // A new handshake gets the new certificate.
  std::unique_ptr<DownstreamTransport> newServer;
  auto newClient = connect(ioc, second->tls->forPort(443), newServer);
  EXPECT_EQ(peerCommonName(newClient->native_handle()), "a.example.com renewed");
  asio::co_spawn(ioc, pongLoop(*newServer), asio::detached);
  EXPECT_EQ(exchange(ioc, *newClient), "pong");
  EXPECT_EQ(second->tls->forPort(443)->stats().handshakes.load(), 2u);

  // Let the echo loops see the close and finish before their transports go away.
  oldServer->close();
  newServer->close();
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(200));
}

TEST_F(TlsRotationTest, AServerRemovedByAReloadHasNoBinding) {
  asio::io_context ioc;
  std::shared_ptr<route::Snapshot> first = makeSnapshot();
  TlsListenerContexts::attach(*first, options_, nullptr);
  std::unique_ptr<DownstreamTransport> server;
  auto client = connect(ioc, first->tls->forPort(443), server);
  auto second = makeSnapshot();
  second->listeners[443].servers[0].portName = "https-renamed";
  TlsListenerContexts::attach(*second, options_, first.get());
  // The data plane answers 421 then: the client reconnects and gets the new server.
  EXPECT_EQ(TlsListenerContexts::bindingOf(*second, 443, *server->tlsServer()), nullptr);
  EXPECT_EQ(TlsListenerContexts::bindingOf(*second, 80, *server->tlsServer()), nullptr);
  server->close();
}

TEST_F(TlsRotationTest, AHandshakeThatNeverComesTimesOutAndIsCounted) {
  asio::io_context ioc;
  std::shared_ptr<route::Snapshot> snapshot = makeSnapshot();
  TlsListenerContexts::attach(*snapshot, options_, nullptr);
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket silent(ioc);
  silent.connect(acceptor.local_endpoint());
  DownstreamTransport server(acceptor.accept(), snapshot->tls->forPort(443));
  bool done = false;
  boost::system::error_code result;
  asio::co_spawn(ioc, server.handshake(std::chrono::milliseconds(100)),
                 [&](std::exception_ptr, boost::system::error_code ec) {
                   result = ec;
                   done = true;
                 });
  ASSERT_TRUE(runUntil(ioc, done));
  EXPECT_EQ(result, asio::error::timed_out);
  EXPECT_EQ(snapshot->tls->forPort(443)->stats().handshake_failures.load(), 1u);
}

}  // namespace
}  // namespace portico::tls::testing
