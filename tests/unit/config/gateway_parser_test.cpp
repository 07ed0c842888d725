#include "portico/config/resource_parsers.h"
#include "spec_test_support.h"

namespace portico::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::SpecFixture;

struct GatewayTest : ::testing::Test {
  SpecFixture<Gateway> f;
  Gateway parse(const std::string& yaml, const std::string& name = "gw") {
    return f.parse(yaml, parseGatewaySpec, "Gateway", name);
  }
  // One HTTPS/TLS server around the given tls block.
  Gateway parseTls(const std::string& protocol, const std::string& tls) {
    return parse("servers:\n- port: {number: 443, name: p, protocol: " + protocol +
                 "}\n  hosts: [a.example.com]\n  tls:\n" + tls);
  }
};

TEST_F(GatewayTest, ParsesServersIntoTheModel) {
  auto gw = parse(R"(
selector: {istio: ingressgateway}
servers:
- port: {number: 80, name: http, protocol: http}
  hosts: ["*/uk.bookinfo.com", "./eu.bookinfo.com", "*"]
  name: plain
  tls: {httpsRedirect: true}
- port: {number: 443, name: https, protocol: HTTPS}
  bind: 127.0.0.1
  hosts: ["*.example.com"]
  tls:
    mode: MUTUAL
    server_certificate: /certs/tls.crt
    privateKey: /certs/tls.key
    caCertificates: /certs/ca.crt
    subjectAltNames: [client.example.com]
    minProtocolVersion: TLSV1_2
    maxProtocolVersion: TLSV1_3
    cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256]
)");
  EXPECT_THAT(f.all(), IsEmpty());
  EXPECT_EQ(gw.selector.at("istio"), "ingressgateway");
  ASSERT_EQ(gw.servers.size(), 2u);
  EXPECT_EQ(gw.servers[0].portNumber, 80u);
  EXPECT_EQ(gw.servers[0].protocol, Protocol::kHttp);
  EXPECT_EQ(gw.servers[0].path, "spec.servers[0]");
  EXPECT_THAT(gw.servers[0].hosts, ElementsAre("*/uk.bookinfo.com", "./eu.bookinfo.com", "*"));
  EXPECT_EQ(gw.servers[0].name, "plain");
  ASSERT_TRUE(gw.servers[0].tls);
  EXPECT_TRUE(gw.servers[0].tls->httpsRedirect);
  const auto& tls = *gw.servers[1].tls;
  EXPECT_EQ(gw.servers[1].bind, "127.0.0.1");
  EXPECT_EQ(tls.mode, ServerTls::Mode::kMutual);
  EXPECT_EQ(tls.serverCertificate, "/certs/tls.crt");
  EXPECT_EQ(tls.privateKey, "/certs/tls.key");
  EXPECT_EQ(tls.caCertificates, "/certs/ca.crt");
  EXPECT_THAT(tls.subjectAltNames, ElementsAre("client.example.com"));
  EXPECT_EQ(tls.minProtocolVersion, TlsVersion::kTls12);
  EXPECT_EQ(tls.maxProtocolVersion, TlsVersion::kTls13);
  EXPECT_THAT(tls.cipherSuites, ElementsAre("ECDHE-RSA-AES128-GCM-SHA256"));
}

TEST_F(GatewayTest, NameMustBeDns1123Label) {
  parse("servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ['*']\n",
        "my_gateway");
  EXPECT_THAT(f.errors(), ElementsAre("metadata.name: invalid gateway name: \"my_gateway\""));
}

TEST_F(GatewayTest, NeedsAtLeastOneServer) {
  parse("selector: {app: x}\n");
  EXPECT_THAT(f.errors(), ElementsAre("spec: gateway must have at least one server"));
}

TEST_F(GatewayTest, ServerNeedsHosts) {
  parse("servers:\n- port: {number: 80, name: http, protocol: HTTP}\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0]: server config must contain at least one host"));
}

TEST_F(GatewayTest, PortNamesMustBeUnique) {
  parse(R"(
servers:
- port: {number: 80, name: http, protocol: HTTP}
  hosts: [a.com]
- port: {number: 8080, name: http, protocol: HTTP}
  hosts: [b.com]
)");
  EXPECT_THAT(f.errors(), ElementsAre("spec.servers[1].port.name: port names in servers must be "
                                      "unique: duplicate name http"));
}

TEST_F(GatewayTest, RejectsUnknownProtocol) {
  parse("servers:\n- port: {number: 80, name: http, protocol: SPDY}\n  hosts: [a.com]\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0].port.protocol: invalid protocol \"SPDY\", supported "
                          "protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP"));
}

TEST_F(GatewayTest, PortNumberRange) {
  parse(R"(
servers:
- port: {number: 0, name: a, protocol: HTTP}
  hosts: [a.com]
- port: {number: 70000, name: b, protocol: HTTP}
  hosts: [a.com]
)");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.servers[0].port.number: port number 0 must be in the range 1..65535",
                  "spec.servers[1].port.number: port number 70000 must be in the range "
                  "1..65535"));
}

TEST_F(GatewayTest, PortNameRequired) {
  parse("servers:\n- port: {number: 80, protocol: HTTP}\n  hosts: [a.com]\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.servers[0].port: port name must be set: number:80 protocol:\"HTTP\""));
}

TEST_F(GatewayTest, TargetPortRejectedAndDefaultEndpointWarned) {
  parse(R"(
servers:
- port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}
  hosts: [a.com]
  defaultEndpoint: 127.0.0.1:8080
)");
  EXPECT_THAT(
      f.all(),
      ElementsAre("spec.servers[0].port.targetPort: targetPort has no impact on Gateways",
                  "warning: spec.servers[0].defaultEndpoint: not implemented by Istio, ignored"));
}

TEST_F(GatewayTest, UnixBindNeedsPortZero) {
  parse(R"(
servers:
- port: {number: 80, name: a, protocol: HTTP}
  bind: unix:///run/gw.sock
  hosts: [a.com]
- port: {number: 0, name: b, protocol: HTTP}
  bind: unix://@abstract
  hosts: [a.com]
- port: {number: 81, name: c, protocol: HTTP}
  bind: localhost
  hosts: [a.com]
)");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.servers[0].port.number: port number must be 0 for unix domain socket: 80",
                  "spec.servers[2].bind: \"localhost\" is not a valid IP address or unix:// path"));
}

TEST_F(GatewayTest, HostNamespaceAndDomainRules) {
  parse(R"(
servers:
- port: {number: 80, name: http, protocol: HTTP}
  hosts: ["bad_ns/a.com", "ns/*.example.com", "a..b", "foo.*.com", "ns/*"]
)");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.servers[0].hosts[0]: invalid namespace value \"bad_ns\" in gateway",
                  "spec.servers[0].hosts[2]: domain name \"a..b\" invalid (label \"\" invalid)",
                  "spec.servers[0].hosts[3]: domain name \"foo.*.com\" invalid (label \"*\" "
                  "invalid)"));
}

TEST_F(GatewayTest, HttpsNeedsTls) {
  parse("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [a.com]\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre("spec.servers[0]: server must have TLS settings for HTTPS/TLS protocols"));
}

TEST_F(GatewayTest, PlainHttpMayOnlyRedirect) {
  parse(R"(
servers:
- port: {number: 80, name: http, protocol: HTTP}
  hosts: [a.com]
  tls: {mode: SIMPLE, serverCertificate: /c, privateKey: /k}
)");
  EXPECT_THAT(
      f.errors(),
      ElementsAre(
          "spec.servers[0].tls: server cannot have TLS settings for plain text HTTP ports"));
}

TEST_F(GatewayTest, TcpCannotHaveTls) {
  parse(R"(
servers:
- port: {number: 31400, name: tcp, protocol: TCP}
  hosts: [a.com]
  tls: {mode: SIMPLE, credentialName: cert}
- port: {number: 31401, name: tcp2, protocol: TCP}
  hosts: [a.com]
  tls: {httpsRedirect: true}
)");
  EXPECT_THAT(
      f.all(),
      ElementsAre("spec.servers[0].tls: server cannot have TLS settings for non HTTPS/TLS ports",
                  "warning: spec.servers[1].tls.httpsRedirect: tls.httpsRedirect should only "
                  "be used with http servers"));
}

TEST_F(GatewayTest, SimpleNeedsCertificateAndKey) {
  parseTls("HTTPS", "    mode: SIMPLE\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0].tls: SIMPLE TLS requires a server certificate",
                          "spec.servers[0].tls: SIMPLE TLS requires a private key"));
}

TEST_F(GatewayTest, CredentialNameIsACertificateSource) {
  parseTls("HTTPS", "    mode: SIMPLE\n    credentialName: httpbin-credential\n");
  EXPECT_THAT(f.all(), IsEmpty());
}

TEST_F(GatewayTest, MutualNeedsClientCa) {
  parseTls("HTTPS", "    mode: MUTUAL\n    serverCertificate: /c\n    privateKey: /k\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0].tls: MUTUAL TLS requires a client CA bundle"));
}

TEST_F(GatewayTest, OnlyOneCertificateSource) {
  parseTls(
      "HTTPS",
      "    mode: SIMPLE\n    credentialName: a\n    serverCertificate: /c\n    privateKey: /k\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0].tls: only one of credential_name, credential_names, "
                          "server_certificate/private_key, tls_certificates should be specified"));
}

TEST_F(GatewayTest, CredentialNamesAndTlsCertificatesExclusive) {
  parseTls("HTTPS",
           "    mode: SIMPLE\n    credentialNames: [a]\n    tlsCertificates:\n"
           "    - {serverCertificate: /c, privateKey: /k}\n");
  EXPECT_THAT(
      f.errors(),
      ElementsAre(
          "spec.servers[0].tls: only one of credential_name, credential_names, "
          "server_certificate/private_key, tls_certificates should be specified",
          "spec.servers[0].tls: only one of credentialNames or tlsCertificates can be set"));
}

TEST_F(GatewayTest, IstioMutualIsMeshOnlyAndTakesNoCertificates) {
  parseTls("HTTPS", "    mode: ISTIO_MUTUAL\n    serverCertificate: /c\n");
  EXPECT_THAT(
      f.all(),
      ElementsAre("warning: spec.servers[0].tls.mode: ISTIO_MUTUAL is mesh-only (Istio-issued "
                  "certificates); not supported by a standalone gateway",
                  "spec.servers[0].tls.serverCertificate: ISTIO_MUTUAL TLS cannot have "
                  "associated server certificate"));
}

TEST_F(GatewayTest, AutoPassthroughIsMeshOnly) {
  parseTls("TLS", "    mode: AUTO_PASSTHROUGH\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.servers[0].tls.mode: AUTO_PASSTHROUGH is mesh-only "
                          "(east-west SNI routing to outbound_ clusters); not supported by a "
                          "standalone gateway"));
}

TEST_F(GatewayTest, PassthroughIgnoresCertificates) {
  parseTls("TLS", "    mode: PASSTHROUGH\n    serverCertificate: /c\n");
  EXPECT_THAT(f.all(), ElementsAre("warning: spec.servers[0].tls: PASSTHROUGH mode does not use "
                                   "certificates, they will be ignored"));
}

TEST_F(GatewayTest, CrlNotWithSimple) {
  parseTls("HTTPS",
           "    mode: SIMPLE\n    serverCertificate: /c\n    privateKey: /k\n    caCrl: /crl\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0].tls.caCrl: CRL is not supported with SIMPLE TLS"));
}

TEST_F(GatewayTest, ProtocolVersionsAndCiphers) {
  parseTls("HTTPS",
           "    mode: SIMPLE\n    credentialName: c\n    minProtocolVersion: TLSV1_3\n"
           "    maxProtocolVersion: TLSV1_2\n");
  EXPECT_THAT(f.errors(),
              ElementsAre("spec.servers[0].tls.maxProtocolVersion: maxProtocolVersion must "
                          "be greater than or equal to minProtocolVersion"));
}

TEST_F(GatewayTest, OldTlsVersionWarnsWithoutCipherSuites) {
  parseTls("HTTPS", "    mode: SIMPLE\n    credentialName: c\n    minProtocolVersion: TLSV1_0\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.servers[0].tls.minProtocolVersion: TLS versions below "
                          "1.2 are insecure; set cipherSuites to allow them deliberately"));
}

TEST_F(GatewayTest, BadAndDuplicateCipherSuitesAreIgnoredWithWarning) {
  auto gw = parseTls(
      "HTTPS",
      "    mode: SIMPLE\n    credentialName: c\n    cipherSuites: [ECDHE-RSA-AES256-GCM-SHA384, "
      "NOT-A-CIPHER, ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256]\n");
  EXPECT_THAT(f.all(),
              ElementsAre("warning: spec.servers[0].tls.cipherSuites[1]: unsupported cipher suite "
                          "\"NOT-A-CIPHER\", ignored",
                          "warning: spec.servers[0].tls.cipherSuites[2]: duplicate cipher suite "
                          "\"ECDHE-RSA-AES256-GCM-SHA384\", ignored"));
  EXPECT_THAT(gw.servers[0].tls->cipherSuites,
              ElementsAre("ECDHE-RSA-AES256-GCM-SHA384", "TLS_AES_128_GCM_SHA256"));
}

TEST_F(GatewayTest, UnknownFieldsWarn) {
  parse(
      "servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [a.com]\n  "
      "extra: 1\nfoo: bar\n");
  EXPECT_THAT(f.all(), ElementsAre("warning: spec.servers[0].extra: unknown field, ignored",
                                   "warning: spec.foo: unknown field, ignored"));
}

}  // namespace
}  // namespace portico::config
