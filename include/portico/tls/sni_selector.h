// Per TLS listener port: picks the Gateway server (and so the certificate, client-cert
// policy and route scope) for a connection from the SNI of its ClientHello, as Envoy picks a
// filter chain by server_names: exact host, then the longest `*.suffix` wildcard, then `*`.
// With no match (an unknown SNI, or no SNI while every server names specific hosts) the
// handshake fails with an unrecognized_name alert (ISTIO-API.md §5 item 14).
//
// The data plane constructs each downstream ssl::stream from sslContext(); the "front"
// SSL_CTX behind it has a ClientHello callback that switches the connection to the chosen
// server's SSL_CTX (SSL_set_SSL_CTX) before the version, cipher and certificate are chosen.
// Immutable after create(); held as shared_ptr<const SniSelector>. A connection must keep
// that shared_ptr for its whole life (the callbacks and selectedServer() point into it).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "portico/tls/server_tls_context.h"
#include "portico/tls/tls_stats.h"

namespace portico::tls {

class SniSelector {
 public:
  // `servers` in Gateway order: on a duplicate host the first server keeps it.
  static boost::system::result<std::shared_ptr<const SniSelector>, std::string> create(
      uint16_t port, std::vector<std::shared_ptr<const ServerTlsContext>> servers,
      std::shared_ptr<TlsStats> stats);

  ~SniSelector();
  SniSelector(const SniSelector&) = delete;
  SniSelector& operator=(const SniSelector&) = delete;

  // Construct the downstream stream with this: ssl::stream<tcp::socket>(std::move(socket),
  // selector->sslContext()). Creating SSL objects from it is safe from any worker thread.
  boost::asio::ssl::context& sslContext() const { return front_; }

  // The server for an SNI (case-insensitive, a trailing dot ignored); "" = no SNI.
  // Nullptr: no server accepts it and the handshake fails.
  const ServerTlsContext* select(std::string_view sni) const;

  // After the handshake: the server this connection was switched to (nullptr if none).
  static const ServerTlsContext* selectedServer(const SSL* ssl);
  // The ALPN protocol chosen ("h2", "http/1.1"), or "" when none was negotiated.
  static std::string_view alpn(const SSL* ssl);
  // The SNI the client sent ("" when none).
  static std::string_view serverName(const SSL* ssl);

  // The 421 rule: a request on a connection whose SNI chose `server` may only name (in
  // Host / :authority, a port ignored) a host that this server serves: one of its hosts
  // exactly, under one of its wildcards, or anything if it has `*`. Otherwise the data plane
  // answers 421 Misdirected Request, as Envoy does.
  static bool hostAllowed(const ServerTlsContext& server, std::string_view authority);

  // The data plane calls this once per connection when async_handshake completes, with its
  // error_code; it counts (handshakes, failures by reason, reuse, ALPN) and logs failures at
  // debug. noexcept and allocation-free on success.
  void recordHandshake(const SSL* ssl, const boost::system::error_code& ec) const noexcept;

  uint16_t port() const { return port_; }
  const std::vector<std::shared_ptr<const ServerTlsContext>>& servers() const { return servers_; }
  TlsStats& stats() const { return *stats_; }
  const std::shared_ptr<TlsStats>& sharedStats() const { return stats_; }

 private:
  SniSelector(uint16_t port, std::vector<std::shared_ptr<const ServerTlsContext>> servers,
              std::shared_ptr<TlsStats> stats, SSL_CTX* front);
  static int clientHelloCallback(SSL* ssl, int* alert, void* arg) noexcept;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, const ServerTlsContext*, Hash, std::equal_to<>>;

  uint16_t port_;
  std::vector<std::shared_ptr<const ServerTlsContext>> servers_;
  std::shared_ptr<TlsStats> stats_;
  // asio's wrapper owns the front SSL_CTX; stream constructors want a non-const reference
  // but only call SSL_new() on it, which is thread-safe.
  mutable boost::asio::ssl::context front_;
  Map exact_;
  Map suffixes_;  // "*.example.com" stored as ".example.com"
  const ServerTlsContext* any_ = nullptr;
};

}  // namespace portico::tls
