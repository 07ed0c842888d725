// The TLS settings of one Gateway server, compiled into one OpenSSL SSL_CTX: its certificate
// chain and key, protocol versions (minimum TLS 1.2 unless configured), cipher suites, client
// certificate verification (MUTUAL / OPTIONAL_MUTUAL against caCertificates, then the
// subjectAltNames / verifyCertificateSpki / verifyCertificateHash pins), session tickets and
// the ALPN choice (h2 when enabled, else http/1.1).
//
// Immutable after create(); shared as shared_ptr<const> by the SniSelector of its port and
// reused across reloads while its configuration and certificate fingerprint are unchanged
// (so TLS sessions survive unrelated config reloads).
#pragma once

#include <openssl/ssl.h>

#include <boost/system/result.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/gateway.h"
#include "portico/tls/certificate_source.h"
#include "portico/tls/openssl_ptr.h"

namespace portico::tls {

class ServerTlsContext {
 public:
  struct Options {
    bool http2 = false;  // offer h2 in ALPN (only once an HTTP/2 codec serves it)
  };

  // `label` names the server in messages; `hosts` are its lower-case dnsNames (SNI names).
  // Invalid or duplicate cipherSuites entries are dropped with a warning (as Istio does).
  static boost::system::result<std::shared_ptr<const ServerTlsContext>, std::string> create(
      std::string label, std::vector<std::string> hosts, const config::ServerTls& tls,
      CertificatePaths paths, LoadedCertificates certificates, const Options& options,
      std::vector<std::string>& warnings);

  ~ServerTlsContext();
  ServerTlsContext(const ServerTlsContext&) = delete;
  ServerTlsContext& operator=(const ServerTlsContext&) = delete;

  SSL_CTX* native() const { return ctx_.get(); }
  const std::string& label() const { return label_; }
  const std::vector<std::string>& hosts() const { return hosts_; }
  const config::ServerTls& settings() const { return tls_; }
  const CertificatePaths& paths() const { return paths_; }
  const std::string& fingerprint() const { return fingerprint_; }
  bool http2() const { return options_.http2; }
  // The cipher list handed to OpenSSL ("" = OpenSSL's default); the TLS 1.3 suites apart.
  const std::string& cipherList() const { return cipherList_; }
  const std::string& cipherSuites13() const { return cipherSuites13_; }

  // The server whose SSL_CTX `ctx` is (nullptr for a context this module did not make).
  static const ServerTlsContext* fromNative(const SSL_CTX* ctx);

  // Copies what SSL_set_SSL_CTX leaves behind (verify mode, versions, ciphers, options)
  // from this context onto a connection that switched to it during its ClientHello.
  void applyTo(SSL* ssl) const;

 private:
  ServerTlsContext() = default;
  static int verifyCallback(int preverifyOk, X509_STORE_CTX* store) noexcept;
  static int alpnCallback(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                          const unsigned char* in, unsigned int inlen, void* arg) noexcept;
  // The subjectAltNames / SPKI / certificate-hash pins on the client's leaf certificate.
  bool pinsAccept(X509* leaf, std::string& why) const;

  SslCtxPtr ctx_;
  std::string label_;
  std::vector<std::string> hosts_;
  config::ServerTls tls_;
  CertificatePaths paths_;
  std::string fingerprint_;
  Options options_;
  std::string cipherList_;
  std::string cipherSuites13_;
  std::vector<std::string> spkiPins_;  // raw SHA-256 digests (32 bytes each)
  std::vector<std::string> hashPins_;  // raw SHA-256 digests (32 bytes each)
};

}  // namespace portico::tls
