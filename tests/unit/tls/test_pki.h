// Test-only PKI built with the OpenSSL API: CAs, server and client certificates (with SANs,
// validity windows in the past for "expired"), written as PEM into a directory.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "portico/tls/openssl_ptr.h"

namespace portico::tls::testing {

struct KeyAndCert {
  EvpPkeyPtr key;
  X509Ptr cert;

  std::string certPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert.get());
    return drain(bio.get());
  }
  std::string keyPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return drain(bio.get());
  }
  static std::string drain(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
  }
};

inline EvpPkeyPtr makeKey() { return EvpPkeyPtr(EVP_EC_gen("P-256")); }

inline void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Issues a certificate for `cn` with SANs (e.g. "DNS:a.example.com,URI:spiffe://x"), signed
// by `issuer` (self-signed when null), valid from now+notBefore to now+notAfter seconds.
inline KeyAndCert issue(const std::string& cn, const std::string& sans, const KeyAndCert* issuer,
                        bool isCa, long notBefore = -3600, long notAfter = 86400,
                        bool rsa = false) {
  static long serial = 1;
  KeyAndCert out{rsa ? EvpPkeyPtr(EVP_RSA_gen(2048)) : makeKey(), X509Ptr(X509_new())};
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), notBefore);
  X509_gmtime_adj(X509_getm_notAfter(cert), notAfter);
  X509_set_pubkey(cert, out.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuerCert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuerCert));
  if (isCa) {
    addExtension(cert, issuerCert, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert, issuerCert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    addExtension(cert, issuerCert, NID_basic_constraints, "CA:FALSE");
  }
  addExtension(cert, issuerCert, NID_subject_key_identifier, "hash");
  if (!sans.empty()) addExtension(cert, issuerCert, NID_subject_alt_name, sans.c_str());
  X509_sign(cert, issuer != nullptr ? issuer->key.get() : out.key.get(), EVP_sha256());
  return out;
}

// A PEM CRL from `issuer` revoking `revoked` (by serial number).
inline std::string makeCrl(const KeyAndCert& issuer,
                           const std::vector<const KeyAndCert*>& revoked) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.cert.get()));
  ASN1_TIME* now = X509_gmtime_adj(nullptr, -60);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 86400);
  X509_CRL_set1_lastUpdate(crl, now);
  X509_CRL_set1_nextUpdate(crl, next);
  for (const KeyAndCert* r : revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(r->cert.get()));
    X509_REVOKED_set_revocationDate(entry, now);
    X509_CRL_add0_revoked(crl, entry);
  }
  X509_CRL_sort(crl);
  X509_CRL_sign(crl, issuer.key.get(), EVP_sha256());
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl);
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  return KeyAndCert::drain(bio.get());
}

inline std::filesystem::path writeFile(const std::filesystem::path& path,
                                       const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  return path;
}

}  // namespace portico::tls::testing
