// Typed model of an Istio Gateway (networking.istio.io v1alpha3/v1beta1/v1).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portico/config/common.h"

namespace portico::config {

enum class TlsVersion { kAuto, kTls10, kTls11, kTls12, kTls13 };

struct ServerTls {
  enum class Mode { kPassthrough, kSimple, kMutual, kOptionalMutual, kAutoPassthrough, kIstioMutual };
  bool httpsRedirect = false;
  Mode mode = Mode::kPassthrough;
  bool modeSet = false;
  std::string serverCertificate;
  std::string privateKey;
  std::string caCertificates;
  std::string caCrl;
  std::string credentialName;
  std::vector<std::string> credentialNames;
  std::vector<std::string> subjectAltNames;
  std::vector<std::string> verifyCertificateSpki;
  std::vector<std::string> verifyCertificateHash;
  TlsVersion minProtocolVersion = TlsVersion::kAuto;
  TlsVersion maxProtocolVersion = TlsVersion::kAuto;
  std::vector<std::string> cipherSuites;
  Mark mark;
};

struct Server {
  uint32_t portNumber = 0;
  std::string portName;
  Protocol protocol = Protocol::kHttp;
  std::string bind;
  std::vector<std::string> hosts;  // "[namespace/]dnsName"; the namespace part is kept as written
  std::string name;
  std::optional<ServerTls> tls;
  Mark mark;
  std::string path;  // "spec.servers[0]"
};

struct Gateway {
  ResourceMeta meta;
  std::map<std::string, std::string> selector;
  std::vector<Server> servers;
};

}  // namespace portico::config
