// Gateway spec: Istio's validateGateway / validateServer / validateTlsOptions.
#include <openssl/ssl.h>

#include <memory>
#include <set>

#include "istio_rules.h"
#include "portico/config/hostname_rules.h"
#include "portico/config/resource_parsers.h"

namespace portico::config {
namespace {

using istio_rules::goQuote;

std::optional<ServerTls::Mode> parseServerTlsMode(std::string_view s) {
  if (s == "PASSTHROUGH") return ServerTls::Mode::kPassthrough;
  if (s == "SIMPLE") return ServerTls::Mode::kSimple;
  if (s == "MUTUAL") return ServerTls::Mode::kMutual;
  if (s == "OPTIONAL_MUTUAL") return ServerTls::Mode::kOptionalMutual;
  if (s == "AUTO_PASSTHROUGH") return ServerTls::Mode::kAutoPassthrough;
  if (s == "ISTIO_MUTUAL") return ServerTls::Mode::kIstioMutual;
  return std::nullopt;
}

std::optional<TlsVersion> parseTlsVersion(std::string_view s) {
  if (s == "TLS_AUTO") return TlsVersion::kAuto;
  if (s == "TLSV1_0") return TlsVersion::kTls10;
  if (s == "TLSV1_1") return TlsVersion::kTls11;
  if (s == "TLSV1_2") return TlsVersion::kTls12;
  if (s == "TLSV1_3") return TlsVersion::kTls13;
  return std::nullopt;
}

std::optional<TlsVersion> readTlsVersion(NodeReader& tls, std::string_view key) {
  auto text = tls.string(key);
  if (!text) return std::nullopt;
  auto v = parseTlsVersion(*text);
  if (!v) {
    tls.errorAt(key, "unsupported TLS version " + goQuote(*text) +
                         " (TLS_AUTO, TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3)");
  }
  return v;
}

// Whether OpenSSL knows `name` as a TLS 1.2 cipher or a TLS 1.3 suite.
bool isKnownCipher(const std::string& name) {
  thread_local const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_method()), &SSL_CTX_free);
  if (!ctx || name.empty() || name.find_first_of(":,") != std::string::npos) return false;
  if (name.starts_with("TLS_")) return SSL_CTX_set_ciphersuites(ctx.get(), name.c_str()) == 1;
  // set_cipher_list accepts rule strings ("ALL", "!aNULL"); a suite name must also be a name.
  if (name.find_first_of("!+@") != std::string::npos) return false;
  return SSL_CTX_set_cipher_list(ctx.get(), name.c_str()) == 1;
}

void parseServerTls(NodeReader& tls, Protocol protocol, ServerTls& out) {
  out.mark = tls.mark();
  if (auto v = tls.boolean("httpsRedirect")) out.httpsRedirect = *v;
  if (auto mode = tls.string("mode")) {
    if (auto m = parseServerTlsMode(*mode)) {
      out.mode = *m;
      out.modeSet = true;
    } else {
      tls.errorAt("mode", "unsupported TLS mode " + goQuote(*mode) +
                              " (PASSTHROUGH, SIMPLE, MUTUAL, OPTIONAL_MUTUAL, AUTO_PASSTHROUGH, "
                              "ISTIO_MUTUAL)");
    }
  }
  out.serverCertificate = tls.string("serverCertificate").value_or("");
  out.privateKey = tls.string("privateKey").value_or("");
  out.caCertificates = tls.string("caCertificates").value_or("");
  out.caCrl = tls.string("caCrl").value_or("");
  out.credentialName = tls.string("credentialName").value_or("");
  out.credentialNames = tls.stringList("credentialNames");
  out.subjectAltNames = tls.stringList("subjectAltNames");
  out.verifyCertificateSpki = tls.stringList("verifyCertificateSpki");
  out.verifyCertificateHash = tls.stringList("verifyCertificateHash");
  if (auto v = readTlsVersion(tls, "minProtocolVersion")) out.minProtocolVersion = *v;
  if (auto v = readTlsVersion(tls, "maxProtocolVersion")) out.maxProtocolVersion = *v;
  const bool hasTlsCertificates = !tls.list("tlsCertificates").empty();
  if (hasTlsCertificates) {
    tls.warningAt("tlsCertificates", "not implemented, ignored; use serverCertificate/privateKey");
  }
  tls.ignore("caCertCredentialName", "not implemented, ignored; the CA comes from credentialName");
  tls.ignore("insecureSkipVerify", "not implemented, ignored");

  std::set<std::string> seenCiphers;
  auto cipherNodes = tls.list("cipherSuites");
  for (auto& item : cipherNodes) {
    auto name = item.asString();
    if (!name) {
      item.error("expected a string");
      continue;
    }
    if (!seenCiphers.insert(*name).second) {
      item.warning("duplicate cipher suite " + goQuote(*name) + ", ignored");
    } else if (!isKnownCipher(*name)) {
      item.warning("unsupported cipher suite " + goQuote(*name) + ", ignored");
    } else {
      out.cipherSuites.push_back(*name);
    }
  }
  tls.finish();

  if (out.minProtocolVersion != TlsVersion::kAuto && out.maxProtocolVersion != TlsVersion::kAuto &&
      out.minProtocolVersion > out.maxProtocolVersion) {
    tls.errorAt("maxProtocolVersion",
                "maxProtocolVersion must be greater than or equal to minProtocolVersion");
  }
  if ((out.minProtocolVersion == TlsVersion::kTls10 ||
       out.minProtocolVersion == TlsVersion::kTls11) &&
      out.cipherSuites.empty()) {
    tls.warningAt(
        "minProtocolVersion",
        "TLS versions below 1.2 are insecure; set cipherSuites to allow them deliberately");
  }

  const bool isTlsPort = protocol == Protocol::kHttps || protocol == Protocol::kTls;
  const bool hasCertFields =
      !out.serverCertificate.empty() || !out.privateKey.empty() || !out.caCertificates.empty() ||
      !out.caCrl.empty() || !out.credentialName.empty() || !out.credentialNames.empty() ||
      hasTlsCertificates || (out.modeSet && out.mode != ServerTls::Mode::kPassthrough);
  if (!isTlsPort) {
    if (out.httpsRedirect && !isHttpProtocol(protocol)) {
      tls.warningAt("httpsRedirect", "tls.httpsRedirect should only be used with http servers");
    }
    if (hasCertFields) {
      tls.error(isHttpProtocol(protocol)
                    ? "server cannot have TLS settings for plain text HTTP ports"
                    : "server cannot have TLS settings for non HTTPS/TLS ports");
    }
    return;
  }

  switch (out.mode) {
    case ServerTls::Mode::kIstioMutual: {
      tls.warningAt("mode",
                    "ISTIO_MUTUAL is mesh-only (Istio-issued certificates); not supported "
                    "by a standalone gateway");
      const char* what[][2] = {{"serverCertificate", "server certificate"},
                               {"privateKey", "private key"},
                               {"caCertificates", "client CA bundle"},
                               {"credentialName", "credentialName"}};
      const std::string* values[] = {&out.serverCertificate, &out.privateKey, &out.caCertificates,
                                     &out.credentialName};
      for (int i = 0; i < 4; ++i) {
        if (!values[i]->empty()) {
          tls.errorAt(what[i][0],
                      std::string("ISTIO_MUTUAL TLS cannot have associated ") + what[i][1]);
        }
      }
      if (!out.credentialNames.empty()) {
        tls.errorAt("credentialNames", "ISTIO_MUTUAL TLS cannot have associated credentialNames");
      }
      if (hasTlsCertificates) {
        tls.errorAt("tlsCertificates", "ISTIO_MUTUAL TLS cannot have associated tlsCertificates");
      }
      return;
    }
    case ServerTls::Mode::kAutoPassthrough:
      tls.warningAt("mode",
                    "AUTO_PASSTHROUGH is mesh-only (east-west SNI routing to "
                    "outbound_ clusters); not supported by a standalone gateway");
      return;
    case ServerTls::Mode::kPassthrough:
      if (!out.serverCertificate.empty() || !out.privateKey.empty() ||
          !out.caCertificates.empty() || !out.credentialName.empty() ||
          !out.credentialNames.empty()) {
        tls.warning("PASSTHROUGH mode does not use certificates, they will be ignored");
      }
      return;
    default:
      break;
  }

  // SIMPLE, MUTUAL, OPTIONAL_MUTUAL terminate TLS and need a certificate from one source.
  const bool fileCert = !out.serverCertificate.empty() || !out.privateKey.empty();
  const int sources = (!out.credentialName.empty() ? 1 : 0) +
                      (!out.credentialNames.empty() ? 1 : 0) + (fileCert ? 1 : 0) +
                      (hasTlsCertificates ? 1 : 0);
  if (sources > 1) {
    tls.error(
        "only one of credential_name, credential_names, server_certificate/private_key, "
        "tls_certificates should be specified");
  }
  if (!out.credentialNames.empty() && hasTlsCertificates) {
    tls.error("only one of credentialNames or tlsCertificates can be set");
  }
  if (out.credentialNames.size() > 2) {
    tls.errorAt("credentialNames", "at most 2 credentialNames may be set (one RSA, one ECDSA)");
  }
  const bool byCredential = !out.credentialName.empty() || !out.credentialNames.empty();
  const bool simple = out.mode == ServerTls::Mode::kSimple;
  const std::string modeText = simple ? "SIMPLE" : "MUTUAL";
  if (!byCredential && !hasTlsCertificates) {
    if (out.serverCertificate.empty()) tls.error(modeText + " TLS requires a server certificate");
    if (out.privateKey.empty()) tls.error(modeText + " TLS requires a private key");
    if (!simple && out.caCertificates.empty()) tls.error("MUTUAL TLS requires a client CA bundle");
  }
  if (!out.caCrl.empty()) {
    if (simple)
      tls.errorAt("caCrl", "CRL is not supported with SIMPLE TLS");
    else if (byCredential) {
      tls.errorAt("caCrl",
                  "CRL is not supported with credentialName; put the CRL in the credential");
    }
  }
}

void parseServer(NodeReader& node, Server& out, std::set<std::string>& portNames,
                 std::set<std::string>& serverNames) {
  out.mark = node.mark();
  out.path = node.path();
  out.bind = node.string("bind").value_or("");
  const bool unixBind = isUnixAddress(out.bind);
  if (!out.bind.empty() && !unixBind && !isIpAddress(out.bind)) {
    node.errorAt("bind", goQuote(out.bind) + " is not a valid IP address or unix:// path");
  }

  std::string protocolText;
  if (auto port = node.object("port")) {
    if (auto n = port->integer("number", 0, UINT32_MAX)) out.portNumber = static_cast<uint32_t>(*n);
    out.portName = port->string("name").value_or("");
    protocolText = port->string("protocol").value_or("");
    if (port->has("targetPort"))
      port->errorAt("targetPort", "targetPort has no impact on Gateways");
    port->finish();

    if (unixBind) {
      if (out.portNumber != 0) {
        port->errorAt("number", "port number must be 0 for unix domain socket: " +
                                    std::to_string(out.portNumber));
      }
    } else if (out.portNumber < 1 || out.portNumber > 65535) {
      port->errorAt("number", "port number " + std::to_string(out.portNumber) +
                                  " must be in the range 1..65535");
    }
    if (auto p = parseProtocol(protocolText)) {
      out.protocol = *p;
    } else {
      port->errorAt("protocol", "invalid protocol " + goQuote(protocolText) +
                                    ", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, "
                                    "REDIS, MYSQL, TCP");
    }
    if (out.portName.empty()) {
      port->error("port name must be set: number:" + std::to_string(out.portNumber) +
                  " protocol:" + goQuote(protocolText));
    } else if (!portNames.insert(out.portName).second) {
      port->errorAt("name", "port names in servers must be unique: duplicate name " + out.portName);
    }
  } else {
    node.error("port: Required value");
  }

  for (auto& hostNode : node.list("hosts")) {
    auto host = hostNode.asString();
    if (!host) {
      hostNode.error("expected a string");
      continue;
    }
    out.hosts.push_back(*host);
    std::string_view dns = *host;
    if (auto slash = host->find('/'); slash != std::string::npos) {
      std::string_view ns = std::string_view(*host).substr(0, slash);
      dns = std::string_view(*host).substr(slash + 1);
      if (ns != "*" && ns != "." && !isDns1123Label(ns)) {
        hostNode.error("invalid namespace value " + goQuote(ns) + " in gateway");
        continue;
      }
    }
    if (auto problem = checkWildcardDomain(dns); problem && !isIpAddress(dns)) {
      hostNode.error(*problem);
    }
  }
  if (out.hosts.empty()) node.error("server config must contain at least one host");

  out.name = node.string("name").value_or("");
  if (!out.name.empty() && !serverNames.insert(out.name).second) {
    node.errorAt("name", "server name " + goQuote(out.name) + " must be unique");
  }
  node.ignore("defaultEndpoint", "not implemented by Istio, ignored");

  auto tls = node.object("tls");
  if (tls) {
    out.tls.emplace();
    parseServerTls(*tls, out.protocol, *out.tls);
  } else if (out.protocol == Protocol::kHttps || out.protocol == Protocol::kTls) {
    node.error("server must have TLS settings for HTTPS/TLS protocols");
  }
  node.finish();
}

}  // namespace

void parseGatewaySpec(NodeReader& spec, Gateway& out) {
  if (!isDns1123Label(out.meta.name)) {
    spec.context().error(out.meta.mark, "metadata.name",
                         "invalid gateway name: " + goQuote(out.meta.name));
  }
  // A standalone process is one gateway; the selector is kept for /config_dump and for
  // matching against configured labels, so it is not warned about.
  out.selector = spec.stringMap("selector");

  auto servers = spec.list("servers");
  if (servers.empty()) spec.error("gateway must have at least one server");
  std::set<std::string> portNames;
  std::set<std::string> serverNames;
  for (auto& node : servers) {
    if (!node.isMap()) {
      node.error("expected an object");
      continue;
    }
    Server server;
    parseServer(node, server, portNames, serverNames);
    out.servers.push_back(std::move(server));
  }
  spec.finish();
}

}  // namespace portico::config
