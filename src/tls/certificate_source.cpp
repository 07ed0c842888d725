#include "portico/tls/certificate_source.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace portico::tls {
namespace {

namespace fs = std::filesystem;
using Mode = config::ServerTls::Mode;

// The first OpenSSL error on this thread's queue, then clears the queue so that a later
// failure does not report a stale reason.
std::string openSslReason() {
  unsigned long code = ERR_peek_last_error();
  std::string reason;
  if (code != 0) {
    const char* r = ERR_reason_error_string(code);
    reason = r != nullptr ? r : "unknown OpenSSL error";
  }
  ERR_clear_error();
  return reason.empty() ? std::string("no PEM data") : reason;
}

bool readFile(const fs::path& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec(errno, std::generic_category());
    error = "cannot read " + path.string() + ": " + ec.message();
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

BioPtr memoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in a PEM string, in order; empty when none parses.
std::vector<X509Ptr> parseCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = memoryBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  // Reading past the last certificate leaves a "no start line" error behind.
  ERR_clear_error();
  return out;
}

std::string hexSha256(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

// Length-prefixed so that moving bytes from one file to the next changes the hash.
void appendForFingerprint(std::string& acc, const fs::path& path, const std::string& content) {
  acc += path.string();
  acc += '\0';
  acc += std::to_string(content.size());
  acc += '\0';
  acc += content;
}

// The leaf, its chain and the key from PEM text; checks that the key matches the leaf.
bool parseKeyPair(const fs::path& certPath, const std::string& certPem, const fs::path& keyPath,
                  const std::string& keyPem, X509Ptr& leaf, std::vector<X509Ptr>& chain,
                  EvpPkeyPtr& key, std::string& error) {
  std::vector<X509Ptr> certs = parseCertificates(certPem);
  if (certs.empty()) {
    error = "no PEM certificate in " + certPath.string();
    return false;
  }
  leaf = std::move(certs.front());
  for (std::size_t i = 1; i < certs.size(); ++i) chain.push_back(std::move(certs[i]));
  BioPtr keyBio = memoryBio(keyPem);
  key.reset(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    error = "cannot parse the private key in " + keyPath.string() + ": " + openSslReason();
    return false;
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    error = "the private key in " + keyPath.string() + " does not match the certificate in " +
            certPath.string();
    return false;
  }
  return true;
}

fs::path firstExisting(const fs::path& dir, std::initializer_list<const char*> names) {
  std::error_code ec;
  for (const char* name : names) {
    if (fs::exists(dir / name, ec)) return dir / name;
  }
  return dir / *names.begin();  // the canonical name, so the error message names it
}

}  // namespace

CertificateSource::CertificateSource(std::string serverLabel, const config::ServerTls& tls,
                                     std::filesystem::path credentialsDir)
    : serverLabel_(std::move(serverLabel)), tls_(tls), credentialsDir_(std::move(credentialsDir)) {}

bool CertificateSource::needsClientCa() const {
  return tls_.mode == Mode::kMutual || tls_.mode == Mode::kOptionalMutual;
}

CertificatePaths CertificateSource::paths() const {
  CertificatePaths out;
  std::string credential = tls_.credentialName;
  if (credential.empty() && !tls_.credentialNames.empty())
    credential = tls_.credentialNames.front();
  if (credential.empty()) {
    out.certificate = tls_.serverCertificate;
    out.privateKey = tls_.privateKey;
    if (needsClientCa()) {
      out.caCertificates = tls_.caCertificates;
      out.crl = tls_.caCrl;
    }
    return out;
  }
  fs::path dir = credentialsDir_ / credential;
  out.certificate = firstExisting(dir, {"tls.crt", "cert"});
  out.privateKey = firstExisting(dir, {"tls.key", "key"});
  if (needsClientCa()) {
    // Istio: the CA comes from the secret itself, or from a separate NAME-cacert secret.
    std::error_code ec;
    fs::path inSecret = firstExisting(dir, {"ca.crt", "cacert"});
    fs::path separate = credentialsDir_ / (credential + "-cacert");
    if (!fs::exists(inSecret, ec) && fs::exists(separate, ec)) {
      out.caCertificates = firstExisting(separate, {"ca.crt", "cacert"});
    } else {
      out.caCertificates = inSecret;
    }
    if (fs::exists(dir / "ca.crl", ec)) out.crl = dir / "ca.crl";
  }
  if (tls_.credentialName.empty() && tls_.credentialNames.size() > 1) {
    fs::path second = credentialsDir_ / tls_.credentialNames[1];
    out.secondCertificate = firstExisting(second, {"tls.crt", "cert"});
    out.secondPrivateKey = firstExisting(second, {"tls.key", "key"});
  }
  return out;
}

boost::system::result<std::string, std::string> CertificateSource::fingerprint() const {
  CertificatePaths p = paths();
  std::string acc;
  for (const fs::path* path : {&p.certificate, &p.privateKey, &p.caCertificates, &p.crl,
                               &p.secondCertificate, &p.secondPrivateKey}) {
    if (path->empty()) continue;
    std::string content, error;
    if (!readFile(*path, content, error)) {
      return {boost::system::in_place_error, serverLabel_ + ": " + error};
    }
    appendForFingerprint(acc, *path, content);
  }
  return {boost::system::in_place_value, hexSha256(acc)};
}

boost::system::result<LoadedCertificates, std::string> CertificateSource::load() const {
  auto fail = [this](std::string message) {
    return boost::system::result<LoadedCertificates, std::string>(
        boost::system::in_place_error, serverLabel_ + ": " + std::move(message));
  };
  CertificatePaths p = paths();
  if (p.certificate.empty())
    return fail("no server certificate (serverCertificate or credentialName)");
  if (p.privateKey.empty()) return fail("no private key (privateKey or credentialName)");
  if (needsClientCa() && p.caCertificates.empty()) {
    return fail(
        "MUTUAL TLS requires a client CA bundle (caCertificates or ca.crt in the credential)");
  }

  LoadedCertificates out;
  std::string acc, certPem, keyPem, caPem, crlPem, error;
  if (!readFile(p.certificate, certPem, error)) return fail(error);
  appendForFingerprint(acc, p.certificate, certPem);
  if (!readFile(p.privateKey, keyPem, error)) return fail(error);
  appendForFingerprint(acc, p.privateKey, keyPem);
  if (!p.caCertificates.empty()) {
    if (!readFile(p.caCertificates, caPem, error)) return fail(error);
    appendForFingerprint(acc, p.caCertificates, caPem);
  }
  if (!p.crl.empty()) {
    if (!readFile(p.crl, crlPem, error)) return fail(error);
    appendForFingerprint(acc, p.crl, crlPem);
  }

  if (!parseKeyPair(p.certificate, certPem, p.privateKey, keyPem, out.certificate, out.chain,
                    out.privateKey, error)) {
    return fail(error);
  }
  if (!p.secondCertificate.empty()) {
    std::string secondCertPem, secondKeyPem;
    if (!readFile(p.secondCertificate, secondCertPem, error)) return fail(error);
    appendForFingerprint(acc, p.secondCertificate, secondCertPem);
    if (!readFile(p.secondPrivateKey, secondKeyPem, error)) return fail(error);
    appendForFingerprint(acc, p.secondPrivateKey, secondKeyPem);
    if (!parseKeyPair(p.secondCertificate, secondCertPem, p.secondPrivateKey, secondKeyPem,
                      out.secondCertificate, out.secondChain, out.secondPrivateKey, error)) {
      return fail(error);
    }
    // OpenSSL holds one certificate per key type; Istio allows two for RSA + ECDSA.
    if (EVP_PKEY_get_base_id(out.privateKey.get()) ==
        EVP_PKEY_get_base_id(out.secondPrivateKey.get())) {
      return fail("credentialNames " + tls_.credentialNames[0] + " and " + tls_.credentialNames[1] +
                  " must hold keys of different types (RSA and ECDSA)");
    }
  }

  if (!p.caCertificates.empty()) {
    out.caCertificates = parseCertificates(caPem);
    if (out.caCertificates.empty()) {
      return fail("no PEM certificate in the CA bundle " + p.caCertificates.string());
    }
  }
  if (!p.crl.empty()) {
    BioPtr bio = memoryBio(crlPem);
    while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
      out.crls.emplace_back(crl);
    }
    ERR_clear_error();
    if (out.crls.empty()) return fail("no PEM CRL in " + p.crl.string());
  }
  out.fingerprint = hexSha256(acc);
  return {boost::system::in_place_value, std::move(out)};
}

}  // namespace portico::tls
