// One real TLS handshake over loopback, both ends on one io_context (bounded by run_for):
// the server side is what the data plane will do (ssl::stream from SniSelector::sslContext,
// async_handshake, recordHandshake), the client is an asio ssl::stream with the options a
// test asks for. The server writes "hello" after a successful handshake so that the client
// also sees TLS 1.3 post-handshake failures (a rejected client certificate) and tickets.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/tls/sni_selector.h"

namespace portico::tls::testing {

namespace asio = boost::asio;

struct SessionDeleter {
  void operator()(SSL_SESSION* s) const noexcept { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionDeleter>;

struct ClientOptions {
  std::string sni{};                   // empty: no SNI
  std::vector<std::string> alpn{};     // offered protocols, in order
  std::string certPem{}, keyPem{};     // client certificate (empty: none)
  int minVersion = 0, maxVersion = 0;  // 0: OpenSSL default
  std::string cipherList{};            // TLS <= 1.2 ciphers (empty: default)
  bool legacy = false;                 // security level 0 (TLS 1.0/1.1 clients)
  SSL_SESSION* resume = nullptr;       // a session to offer for resumption
  std::string sigalgs{};               // signature algorithms offered (empty: default)
};

struct HandshakeOutcome {
  boost::system::error_code serverError;  // the server's async_handshake result
  boost::system::error_code clientError;  // the client's async_handshake result
  boost::system::error_code readError;    // the client's read of "hello"
  std::string received;                   // what the client read
  std::string serverLabel;                // SniSelector::selectedServer on the server side
  std::string alpn;                       // SniSelector::alpn on the server side
  std::string peerCommonName;             // the CN of the certificate the client saw
  std::string version;                    // negotiated protocol as the client sees it
  std::string cipher;
  std::string group;    // the TLS 1.3 key exchange group the client used
  bool reused = false;  // the client resumed
  SessionPtr session;   // the client's session after reading (for resume)

  bool accepted() const {
    return !serverError && !clientError && !readError && received == "hello";
  }
};

inline HandshakeOutcome runHandshake(const std::shared_ptr<const SniSelector>& selector,
                                     const ClientOptions& options) {
  using asio::ip::tcp;
  HandshakeOutcome out;
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));

  std::optional<asio::ssl::stream<tcp::socket>> server;
  acceptor.async_accept([&](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    server.emplace(std::move(socket), selector->sslContext());
    server->async_handshake(asio::ssl::stream_base::server, [&](boost::system::error_code hec) {
      out.serverError = hec;
      selector->recordHandshake(server->native_handle(), hec);
      if (hec) {
        server->next_layer().close();
        return;
      }
      if (const ServerTlsContext* chosen = SniSelector::selectedServer(server->native_handle())) {
        out.serverLabel = chosen->label();
      }
      out.alpn = std::string(SniSelector::alpn(server->native_handle()));
      // A clean close (close_notify both ways), as the data plane must do: OpenSSL marks the
      // session of an SSL freed without it as not resumable.
      asio::async_write(*server, asio::buffer("hello", 5),
                        [&](boost::system::error_code, std::size_t) {
                          server->async_shutdown(
                              [&](boost::system::error_code) { server->next_layer().close(); });
                        });
    });
  });

  asio::ssl::context clientCtx(asio::ssl::context::tls_client);
  SSL_CTX* cctx = clientCtx.native_handle();
  if (options.legacy) {
    SSL_CTX_set_security_level(cctx, 0);
    SSL_CTX_set_cipher_list(cctx, "DEFAULT@SECLEVEL=0");
  }
  if (options.minVersion != 0) SSL_CTX_set_min_proto_version(cctx, options.minVersion);
  if (options.maxVersion != 0) SSL_CTX_set_max_proto_version(cctx, options.maxVersion);
  if (!options.cipherList.empty()) SSL_CTX_set_cipher_list(cctx, options.cipherList.c_str());
  if (!options.certPem.empty()) {
    clientCtx.use_certificate(asio::buffer(options.certPem), asio::ssl::context::pem);
    clientCtx.use_private_key(asio::buffer(options.keyPem), asio::ssl::context::pem);
  }
  clientCtx.set_verify_mode(asio::ssl::verify_none);

  asio::ssl::stream<tcp::socket> client(ioc, clientCtx);
  SSL* cssl = client.native_handle();
  if (!options.sni.empty()) SSL_set_tlsext_host_name(cssl, options.sni.c_str());
  if (!options.alpn.empty()) {
    std::string wire;
    for (const std::string& p : options.alpn) {
      wire.push_back(static_cast<char>(p.size()));
      wire += p;
    }
    SSL_set_alpn_protos(cssl, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned int>(wire.size()));
  }
  if (options.resume != nullptr) SSL_set_session(cssl, options.resume);
  if (!options.sigalgs.empty()) SSL_set1_sigalgs_list(cssl, options.sigalgs.c_str());

  char buf[5];
  client.next_layer().async_connect(acceptor.local_endpoint(), [&](boost::system::error_code ec) {
    if (ec) {
      out.clientError = ec;
      return;
    }
    client.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code hec) {
      out.clientError = hec;
      if (hec) return;
      if (X509* peer = SSL_get0_peer_certificate(cssl)) {
        char cn[256] = {0};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
        out.peerCommonName = cn;
      }
      out.version = SSL_get_version(cssl);
      out.cipher = SSL_get_cipher_name(cssl);
      out.group = OBJ_nid2sn(SSL_get_negotiated_group(cssl));
      out.reused = SSL_session_reused(cssl) == 1;
      asio::async_read(client, asio::buffer(buf),
                       [&](boost::system::error_code rec, std::size_t n) {
                         out.readError = rec;
                         out.received.assign(buf, n);
                         if (rec) {
                           client.next_layer().close();
                           return;
                         }
                         client.async_shutdown([&](boost::system::error_code) {
                           out.session.reset(SSL_get1_session(cssl));
                           client.next_layer().close();
                         });
                       });
    });
  });
  ioc.run_for(std::chrono::seconds(10));
  return out;
}

}  // namespace portico::tls::testing
