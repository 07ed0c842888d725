// Where one Gateway server's certificates come from, and loading them.
//
// A server names its material either with file paths (serverCertificate, privateKey,
// caCertificates) or with credentialName: NAME, which reads <credentialsDir>/NAME/ laid out
// like a mounted Kubernetes TLS secret (tls.crt, tls.key, ca.crt, and ca.crl for a CRL;
// Istio's alternative names cert, key, cacert and a separate NAME-cacert secret for the CA
// are accepted too). caCrl (files) / ca.crl (credential) apply to MUTUAL and OPTIONAL_MUTUAL.
//
// load() reads each file exactly once, parses and validates it (the key matches the leaf
// certificate, the CA bundle holds at least one certificate) and hashes the bytes it parsed
// into a fingerprint, so a reload compares what it would load with what is loaded and the
// two can never disagree (no read-twice race with a rotating cert-manager).
// Runs off the data plane (config load, reload watcher); never on a worker.
#pragma once

#include <boost/system/result.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "portico/config/gateway.h"
#include "portico/tls/openssl_ptr.h"

namespace portico::tls {

struct CertificatePaths {
  std::filesystem::path certificate;     // PEM: leaf first, then intermediates
  std::filesystem::path privateKey;      // PEM
  std::filesystem::path caCertificates;  // PEM bundle; empty when the mode needs none
  std::filesystem::path crl;             // PEM CRLs of client certificates; empty: none
  // credentialNames[1]: a second certificate of the other key type (RSA + ECDSA).
  std::filesystem::path secondCertificate;
  std::filesystem::path secondPrivateKey;
};

// The parsed material of one server.
struct LoadedCertificates {
  X509Ptr certificate;
  std::vector<X509Ptr> chain;  // intermediates, in file order
  EvpPkeyPtr privateKey;
  std::vector<X509Ptr> caCertificates;
  std::vector<X509CrlPtr> crls;
  X509Ptr secondCertificate;  // null unless credentialNames has two entries
  std::vector<X509Ptr> secondChain;
  EvpPkeyPtr secondPrivateKey;
  std::string fingerprint;  // hex SHA-256 over the bytes of every file read
};

class CertificateSource {
 public:
  // `serverLabel` names the server in every message ("Gateway default/gw server https").
  CertificateSource(std::string serverLabel, const config::ServerTls& tls,
                    std::filesystem::path credentialsDir);

  const std::string& serverLabel() const { return serverLabel_; }
  // The files load() reads (credentialName resolved against what exists on disk now).
  CertificatePaths paths() const;
  // MUTUAL and OPTIONAL_MUTUAL verify client certificates, so they need a CA bundle.
  bool needsClientCa() const;

  // Reads, parses and validates; the error names the file and the server.
  boost::system::result<LoadedCertificates, std::string> load() const;
  // Only the content hash of the files load() would read (for "did it change?").
  boost::system::result<std::string, std::string> fingerprint() const;

 private:
  std::string serverLabel_;
  config::ServerTls tls_;
  std::filesystem::path credentialsDir_;
};

}  // namespace portico::tls
