#include "portico/tls/sni_selector.h"

#include <openssl/err.h>
#include <openssl/tls1.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl/error.hpp>
#include <cctype>
#include <utility>

#include "portico/tls/client_hello_sni.h"

namespace portico::tls {
namespace {

using Result = boost::system::result<std::shared_ptr<const SniSelector>, std::string>;

// Lower-cases into `buf` (SNI is at most 255 bytes) and drops a trailing dot.
std::string_view normalizeHost(std::string_view host, char (&buf)[256]) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() >= sizeof(buf)) return {};
  for (std::size_t i = 0; i < host.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(host[i])));
  }
  return std::string_view(buf, host.size());
}

}  // namespace

SniSelector::SniSelector(uint16_t port,
                         std::vector<std::shared_ptr<const ServerTlsContext>> servers,
                         std::shared_ptr<TlsStats> stats, SSL_CTX* front)
    : port_(port), servers_(std::move(servers)), stats_(std::move(stats)), front_(front) {}

SniSelector::~SniSelector() = default;

Result SniSelector::create(uint16_t port,
                           std::vector<std::shared_ptr<const ServerTlsContext>> servers,
                           std::shared_ptr<TlsStats> stats) {
  SSL_CTX* front = SSL_CTX_new(TLS_server_method());
  if (front == nullptr) {
    ERR_clear_error();
    return {boost::system::in_place_error, "port " + std::to_string(port) + ": SSL_CTX_new failed"};
  }
  if (!stats) stats = std::make_shared<TlsStats>();
  std::shared_ptr<SniSelector> self(
      new SniSelector(port, std::move(servers), std::move(stats), front));

  for (const auto& server : self->servers_) {
    for (const std::string& host : server->hosts()) {
      if (host == "*") {
        if (self->any_ == nullptr) self->any_ = server.get();
      } else if (host.size() > 2 && host.compare(0, 2, "*.") == 0) {
        self->suffixes_.emplace(host.substr(1), server.get());
      } else {
        self->exact_.emplace(host, server.get());
      }
    }
  }

  // Tickets are encrypted with the keys of the SSL_CTX the connection started on, and the
  // server-side session cache lives there too; each server's session id context keeps a
  // session from resuming on another server.
  SSL_CTX_set_session_cache_mode(front, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_options(front, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_client_hello_cb(front, &SniSelector::clientHelloCallback, self.get());
  return {boost::system::in_place_value, std::move(self)};
}

const ServerTlsContext* SniSelector::select(std::string_view sni) const {
  char buf[256];
  std::string_view host = normalizeHost(sni, buf);
  if (!host.empty()) {
    if (auto it = exact_.find(host); it != exact_.end()) return it->second;
    // Longest wildcard first: probe ".b.example.com", then ".example.com", then ".com".
    for (std::size_t dot = host.find('.'); dot != std::string_view::npos;
         dot = host.find('.', dot + 1)) {
      if (auto it = suffixes_.find(host.substr(dot)); it != suffixes_.end()) return it->second;
    }
  }
  return any_;
}

int SniSelector::clientHelloCallback(SSL* ssl, int* alert, void* arg) noexcept {
  const auto* self = static_cast<const SniSelector*>(arg);
  std::string_view sni;
  if (!clientHelloServerName(ssl, sni)) {
    *alert = SSL_AD_DECODE_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  const ServerTlsContext* server = self->select(sni);
  if (server == nullptr) {
    bump(self->stats_->no_server_for_sni);
    spdlog::debug("tls: port {}: no server for SNI '{}'", self->port_, sni);
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (SSL_set_SSL_CTX(ssl, server->native()) == nullptr) {
    ERR_clear_error();
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  server->applyTo(ssl);
  return SSL_CLIENT_HELLO_SUCCESS;
}

const ServerTlsContext* SniSelector::selectedServer(const SSL* ssl) {
  return ssl == nullptr ? nullptr : ServerTlsContext::fromNative(SSL_get_SSL_CTX(ssl));
}

std::string_view SniSelector::alpn(const SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &data, &len);
  return data == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(data), len);
}

std::string_view SniSelector::serverName(const SSL* ssl) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  return name == nullptr ? std::string_view() : std::string_view(name);
}

bool SniSelector::hostAllowed(const ServerTlsContext& server, std::string_view authority) {
  // Strip the port: "host:443", "[::1]:443".
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else if (std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  char buf[256];
  host = normalizeHost(host, buf);
  if (host.empty()) return false;
  for (const std::string& served : server.hosts()) {
    if (served == "*" || served == host) return true;
    if (served.size() > 2 && served.compare(0, 2, "*.") == 0 && host.size() > served.size() - 1 &&
        host.substr(host.size() - (served.size() - 1)) == std::string_view(served).substr(1)) {
      return true;
    }
  }
  return false;
}

void SniSelector::recordHandshake(const SSL* ssl,
                                  const boost::system::error_code& ec) const noexcept {
  if (!ec) {
    bump(stats_->handshakes);
    if (ssl != nullptr && SSL_session_reused(const_cast<SSL*>(ssl)) == 1)
      bump(stats_->sessions_reused);
    std::string_view proto = ssl != nullptr ? alpn(ssl) : std::string_view();
    if (proto == "h2")
      bump(stats_->alpn_h2);
    else if (proto == "http/1.1")
      bump(stats_->alpn_http11);
    else
      bump(stats_->alpn_none);
    return;
  }
  bump(stats_->handshake_failures);
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED ||
        reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
      bump(stats_->client_cert_rejected);
    }
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    const ServerTlsContext* server = selectedServer(ssl);
    spdlog::debug("tls: port {}: handshake failed (sni '{}', server {}): {}", port_,
                  ssl != nullptr ? serverName(ssl) : std::string_view(),
                  server != nullptr ? server->label() : std::string("none"), ec.message());
  }
}

}  // namespace portico::tls
