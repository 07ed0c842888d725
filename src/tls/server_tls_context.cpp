#include "portico/tls/server_tls_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <set>
#include <utility>

namespace portico::tls {
namespace {

using Mode = config::ServerTls::Mode;
using Result = boost::system::result<std::shared_ptr<const ServerTlsContext>, std::string>;

// Where an SSL_CTX keeps a pointer back to its ServerTlsContext. Asio's ssl::context uses the
// "app data" slot (index 0) for itself, so we take our own index.
int contextIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int openSslVersion(config::TlsVersion v) {
  switch (v) {
    case config::TlsVersion::kTls10:
      return TLS1_VERSION;
    case config::TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case config::TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case config::TlsVersion::kTls13:
      return TLS1_3_VERSION;
    case config::TlsVersion::kAuto:
      break;
  }
  return 0;
}

const char* versionName(config::TlsVersion v) {
  switch (v) {
    case config::TlsVersion::kTls10:
      return "TLSV1_0";
    case config::TlsVersion::kTls11:
      return "TLSV1_1";
    case config::TlsVersion::kTls12:
      return "TLSV1_2";
    case config::TlsVersion::kTls13:
      return "TLSV1_3";
    case config::TlsVersion::kAuto:
      break;
  }
  return "TLS_AUTO";
}

// Istio formats the rejected names as a Go []string: "[A B]".
std::string goList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ' ';
    out += names[i];
  }
  return out + "]";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string sha256(const unsigned char* data, std::size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, size, digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

// verifyCertificateHash entries are hex, optionally with colons (as Envoy accepts them).
bool decodeHexPin(std::string_view text, std::string& out) {
  out.clear();
  int nibble = -1;
  for (char c : text) {
    if (c == ':') continue;
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      return false;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<char>(nibble * 16 + v));
      nibble = -1;
    }
  }
  return nibble < 0 && out.size() == 32;
}

// verifyCertificateSpki entries are base64 SHA-256 digests of the SubjectPublicKeyInfo.
bool decodeBase64Pin(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::string buffer(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buffer.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the zero bytes that stand for '=' padding.
  std::size_t padding = text.size() - text.find_last_not_of('=') - 1;
  buffer.resize(static_cast<std::size_t>(n) - padding);
  out = std::move(buffer);
  return out.size() == 32;
}

std::vector<std::string> subjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS || name->type == GEN_URI || name->type == GEN_EMAIL) {
      const ASN1_IA5STRING* s = name->d.ia5;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.ip;
      const unsigned char* p = ASN1_STRING_get0_data(ip);
      if (ASN1_STRING_length(ip) == 4) {
        boost::asio::ip::address_v4::bytes_type b;
        std::copy(p, p + 4, b.begin());
        out.push_back(boost::asio::ip::address_v4(b).to_string());
      } else if (ASN1_STRING_length(ip) == 16) {
        boost::asio::ip::address_v6::bytes_type b;
        std::copy(p, p + 16, b.begin());
        out.push_back(boost::asio::ip::address_v6(b).to_string());
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

// A configured SAN matches a certificate SAN exactly (DNS case-insensitively), or a
// certificate wildcard "*.example.com" covers exactly one label of the configured name.
bool sanMatches(std::string_view wanted, std::string_view present) {
  std::string w = lower(wanted), p = lower(present);
  if (w == p) return true;
  if (p.size() > 2 && p.compare(0, 2, "*.") == 0) {
    std::size_t dot = w.find('.');
    return dot != std::string::npos && dot > 0 && w.substr(dot) == p.substr(1);
  }
  return false;
}

// Splits cipherSuites into what OpenSSL accepts; TLS 1.3 suites are configured apart.
void compileCiphers(const std::vector<std::string>& wanted, std::string& list12,
                    std::string& list13, std::vector<std::string>& warnings,
                    const std::string& label) {
  SslCtxPtr scratch(SSL_CTX_new(TLS_server_method()));
  std::set<std::string> seen;
  std::vector<std::string> invalid, duplicate;
  for (const std::string& name : wanted) {
    if (!seen.insert(name).second) {
      duplicate.push_back(name);
      continue;
    }
    bool tls13 = name.rfind("TLS_", 0) == 0;
    bool ok = !name.empty() && name.find(':') == std::string::npos &&
              (tls13 ? SSL_CTX_set_ciphersuites(scratch.get(), name.c_str()) == 1
                     : SSL_CTX_set_cipher_list(scratch.get(), name.c_str()) == 1);
    ERR_clear_error();
    if (!ok) {
      invalid.push_back(name);
      continue;
    }
    std::string& list = tls13 ? list13 : list12;
    if (!list.empty()) list += ':';
    list += name;
  }
  std::sort(invalid.begin(), invalid.end());
  std::sort(duplicate.begin(), duplicate.end());
  if (!invalid.empty())
    warnings.push_back(label + ": ignoring invalid cipher suites: " + goList(invalid));
  if (!duplicate.empty()) {
    warnings.push_back(label + ": ignoring duplicate cipher suites: " + goList(duplicate));
  }
}

}  // namespace

ServerTlsContext::~ServerTlsContext() = default;

const ServerTlsContext* ServerTlsContext::fromNative(const SSL_CTX* ctx) {
  if (ctx == nullptr) return nullptr;
  return static_cast<const ServerTlsContext*>(SSL_CTX_get_ex_data(ctx, contextIndex()));
}

Result ServerTlsContext::create(std::string label, std::vector<std::string> hosts,
                                const config::ServerTls& tls, CertificatePaths paths,
                                LoadedCertificates certificates, const Options& options,
                                std::vector<std::string>& warnings) {
  std::shared_ptr<ServerTlsContext> self(new ServerTlsContext());
  auto fail = [&self](std::string message) {
    ERR_clear_error();
    return Result(boost::system::in_place_error, self->label_ + ": " + std::move(message));
  };
  self->label_ = std::move(label);
  self->hosts_ = std::move(hosts);
  self->tls_ = tls;
  self->paths_ = std::move(paths);
  self->fingerprint_ = certificates.fingerprint;
  self->options_ = options;
  const std::string& name = self->label_;

  self->ctx_.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = self->ctx_.get();
  if (ctx == nullptr) return fail("SSL_CTX_new failed");
  SSL_CTX_set_ex_data(ctx, contextIndex(), self.get());

  // Versions: Istio's minimum defaults to TLS 1.2, the maximum to the newest.
  int minVersion = tls.minProtocolVersion == config::TlsVersion::kAuto
                       ? TLS1_2_VERSION
                       : openSslVersion(tls.minProtocolVersion);
  int maxVersion = openSslVersion(tls.maxProtocolVersion);
  if (maxVersion != 0 && maxVersion < minVersion) {
    return fail(std::string("maxProtocolVersion ") + versionName(tls.maxProtocolVersion) +
                " is lower than minProtocolVersion " +
                versionName(tls.minProtocolVersion == config::TlsVersion::kAuto
                                ? config::TlsVersion::kTls12
                                : tls.minProtocolVersion));
  }
  SSL_CTX_set_min_proto_version(ctx, minVersion);
  SSL_CTX_set_max_proto_version(ctx, maxVersion);
  // OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 signatures) above security level 0; an operator
  // who asks for them explicitly gets them, as with Envoy/BoringSSL.
  if (minVersion < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);

  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);

  compileCiphers(tls.cipherSuites, self->cipherList_, self->cipherSuites13_, warnings, name);
  if (!self->cipherList_.empty() && SSL_CTX_set_cipher_list(ctx, self->cipherList_.c_str()) != 1) {
    return fail("cannot apply cipherSuites " + self->cipherList_);
  }
  if (!self->cipherSuites13_.empty() &&
      SSL_CTX_set_ciphersuites(ctx, self->cipherSuites13_.c_str()) != 1) {
    return fail("cannot apply cipherSuites " + self->cipherSuites13_);
  }

  if (SSL_CTX_use_certificate(ctx, certificates.certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, certificates.privateKey.get()) != 1) {
    return fail("cannot use the certificate " + self->paths_.certificate.string() + " with key " +
                self->paths_.privateKey.string());
  }
  for (const X509Ptr& intermediate : certificates.chain) {
    if (SSL_CTX_add1_chain_cert(ctx, intermediate.get()) != 1) {
      return fail("cannot add the chain of " + self->paths_.certificate.string());
    }
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail("the private key in " + self->paths_.privateKey.string() +
                " does not match the certificate in " + self->paths_.certificate.string());
  }
  if (certificates.secondCertificate) {
    // A second key type: OpenSSL keeps it in its own slot and picks per handshake from the
    // client's signature algorithms. add1_chain_cert applies to the certificate set last.
    if (SSL_CTX_use_certificate(ctx, certificates.secondCertificate.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, certificates.secondPrivateKey.get()) != 1) {
      return fail("cannot use the certificate " + self->paths_.secondCertificate.string() +
                  " with key " + self->paths_.secondPrivateKey.string());
    }
    for (const X509Ptr& intermediate : certificates.secondChain) {
      if (SSL_CTX_add1_chain_cert(ctx, intermediate.get()) != 1) {
        return fail("cannot add the chain of " + self->paths_.secondCertificate.string());
      }
    }
  }

  // Sessions are bound to the server and its certificates: a ticket from one server (or
  // from before a rotation) never resumes on another, where the client-certificate policy
  // may differ.
  std::string sid = sha256(reinterpret_cast<const unsigned char*>(name.data()), name.size());
  sid = sha256(reinterpret_cast<const unsigned char*>((sid + self->fingerprint_).data()),
               sid.size() + self->fingerprint_.size());
  SSL_CTX_set_session_id_context(
      ctx, reinterpret_cast<const unsigned char*>(sid.data()),
      static_cast<unsigned int>(std::min<std::size_t>(sid.size(), SSL_MAX_SID_CTX_LENGTH)));

  bool verifyClients = tls.mode == Mode::kMutual || tls.mode == Mode::kOptionalMutual;
  if (verifyClients) {
    if (certificates.caCertificates.empty()) {
      return fail("MUTUAL TLS requires a client CA bundle");
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const X509Ptr& ca : certificates.caCertificates) {
      if (X509_STORE_add_cert(store, ca.get()) != 1) ERR_clear_error();  // duplicates are fine
      SSL_CTX_add_client_CA(ctx, ca.get());
    }
    if (!certificates.crls.empty()) {
      for (const X509CrlPtr& crl : certificates.crls) {
        if (X509_STORE_add_crl(store, crl.get()) != 1) ERR_clear_error();
      }
      // The client's own certificate is checked against the CRLs of its issuer (a CRL for
      // that issuer must be present, as with Envoy).
      X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    for (const std::string& pin : tls.verifyCertificateSpki) {
      std::string raw;
      if (!decodeBase64Pin(pin, raw)) {
        return fail("verifyCertificateSpki entry " + pin + " is not a base64 SHA-256 digest");
      }
      self->spkiPins_.push_back(std::move(raw));
    }
    for (const std::string& pin : tls.verifyCertificateHash) {
      std::string raw;
      if (!decodeHexPin(pin, raw)) {
        return fail("verifyCertificateHash entry " + pin + " is not a hex SHA-256 digest");
      }
      self->hashPins_.push_back(std::move(raw));
    }
    int mode = SSL_VERIFY_PEER;
    if (tls.mode == Mode::kMutual) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, &ServerTlsContext::verifyCallback);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }

  SSL_CTX_set_alpn_select_cb(ctx, &ServerTlsContext::alpnCallback, self.get());
  ERR_clear_error();
  return Result(boost::system::in_place_value, std::move(self));
}

void ServerTlsContext::applyTo(SSL* ssl) const {
  SSL_CTX* ctx = ctx_.get();
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
  SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(ctx));
  SSL_clear_options(ssl, SSL_get_options(ssl) & ~SSL_CTX_get_options(ctx));
  SSL_set_options(ssl, SSL_CTX_get_options(ctx));
  SSL_set_security_level(ssl, SSL_CTX_get_security_level(ctx));
  SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ctx));
  SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ctx));
  if (!cipherSuites13_.empty()) SSL_set_ciphersuites(ssl, cipherSuites13_.c_str());
  if (!cipherList_.empty()) SSL_set_cipher_list(ssl, cipherList_.c_str());
}

bool ServerTlsContext::pinsAccept(X509* leaf, std::string& why) const {
  if (!tls_.subjectAltNames.empty()) {
    std::vector<std::string> present = subjectAltNames(leaf);
    bool any = false;
    for (const std::string& wanted : tls_.subjectAltNames) {
      for (const std::string& p : present) any = any || sanMatches(wanted, p);
    }
    if (!any) {
      why = "no subject alternative name of the client certificate is in subjectAltNames";
      return false;
    }
  }
  if (spkiPins_.empty() && hashPins_.empty()) return true;
  // Either pin list may match (Envoy: verify_certificate_spki OR verify_certificate_hash).
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der);
  std::string spki = len > 0 ? sha256(der, static_cast<std::size_t>(len)) : std::string();
  OPENSSL_free(der);
  der = nullptr;
  len = i2d_X509(leaf, &der);
  std::string hash = len > 0 ? sha256(der, static_cast<std::size_t>(len)) : std::string();
  OPENSSL_free(der);
  for (const std::string& pin : spkiPins_) {
    if (pin == spki) return true;
  }
  for (const std::string& pin : hashPins_) {
    if (pin == hash) return true;
  }
  why = "the client certificate matches neither verifyCertificateSpki nor verifyCertificateHash";
  return false;
}

int ServerTlsContext::verifyCallback(int preverifyOk, X509_STORE_CTX* store) noexcept {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const ServerTlsContext* self = ssl != nullptr ? fromNative(SSL_get_SSL_CTX(ssl)) : nullptr;
  if (self == nullptr) return preverifyOk;
  if (preverifyOk != 1) {
    int err = X509_STORE_CTX_get_error(store);
    spdlog::debug("tls: {}: client certificate rejected at depth {}: {}", self->label_,
                  X509_STORE_CTX_get_error_depth(store), X509_verify_cert_error_string(err));
    return 0;
  }
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  std::string why;
  if (!self->pinsAccept(X509_STORE_CTX_get_current_cert(store), why)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    spdlog::debug("tls: {}: client certificate rejected: {}", self->label_, why);
    return 0;
  }
  return 1;
}

int ServerTlsContext::alpnCallback(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
                                   const unsigned char* in, unsigned int inlen,
                                   void* arg) noexcept {
  static constexpr unsigned char kH2AndHttp11[] = {2,   'h', '2', 8,   'h', 't',
                                                   't', 'p', '/', '1', '.', '1'};
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  const auto* self = static_cast<const ServerTlsContext*>(arg);
  const unsigned char* ours = self->options_.http2 ? kH2AndHttp11 : kHttp11;
  unsigned int oursLen = self->options_.http2 ? sizeof(kH2AndHttp11) : sizeof(kHttp11);
  if (inlen == 0) return SSL_TLSEXT_ERR_NOACK;
  unsigned char* selected = nullptr;
  // Server preference order: h2 first when enabled.
  if (SSL_select_next_proto(&selected, outlen, ours, oursLen, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // carry on without ALPN; HTTP/1.1 is assumed
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace portico::tls
