// PASSTHROUGH through the real binary: the gateway reads the SNI of the ClientHello, picks
// the VirtualService tls[] route, and proxies the still-encrypted bytes to an `openssl
// s_server` upstream; curl sees the upstream's certificate, not one of the gateway's.
#include <gtest/gtest.h>

#include "support/configs.h"
#include "support/gateway.h"
#include "tls_pki.h"

namespace portico::testing {
namespace {

constexpr const char* kConfig = R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw-pt}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: {{PORT}}, name: tls-pt, protocol: TLS}
    hosts: [pt.example.com, other.example.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-pt}
spec:
  hosts: [pt.example.com]
  gateways: [gw-pt]
  tls:
  - match: [{port: {{PORT}}, sniHosts: [pt.example.com]}]
    route: [{destination: {host: pt-backend.example.internal, port: {number: 443}}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pt-backend}
spec:
  hosts: [pt-backend.example.internal]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {tls: {{BACKEND}}}}]
)";

class TlsPassthroughTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-accept",
                                 "127.0.0.1:" + std::to_string(backendPort), "-cert",
                                 pki.path("pt.crt"), "-key", pki.path("pt.key"), "-www"},
        (dir.path() / "s_server.log").string());
    ASSERT_TRUE(waitForPort(backendPort, std::chrono::seconds(10)));
    std::string yaml =
        fill(kConfig, {{"PORT", std::to_string(port)}, {"BACKEND", std::to_string(backendPort)}});
    GatewayOptions options;
    options.extraArgs = {"--log-level", "debug"};
    gw = std::make_unique<Gateway>(dir, yaml, options);
    ASSERT_TRUE(gw->ready()) << gw->log();
  }

  HttpResult get(const std::string& host) {
    std::string p = std::to_string(port);
    return curl("--cacert " + pki.path("ca.crt") + " --resolve " + host + ":" + p +
                ":127.0.0.1 https://" + host + ":" + p + "/");
  }

  TempDir dir;
  TestPki pki{dir};
  uint16_t backendPort = freePort();
  uint16_t port = freePort();
  std::unique_ptr<ChildProcess> backend;
  std::unique_ptr<Gateway> gw;
};

TEST_F(TlsPassthroughTest, ProxiesTheTlsStreamToTheRouteOfItsSni) {
  // The handshake is with s_server (its pt.example.com certificate verifies against the CA);
  // its -www status page proves the request crossed the gateway encrypted end to end.
  auto r = get("pt.example.com");
  EXPECT_EQ(r.status, 200) << r.raw << gw->log();
  EXPECT_NE(r.body.find("s_server"), std::string::npos) << r.body;

  auto cert = runCommand("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                             " -servername pt.example.com </dev/null 2>/dev/null | "
                             "openssl x509 -noout -subject",
                         std::chrono::seconds(20));
  EXPECT_NE(cert.output.find("CN = pt.example.com"), std::string::npos) << cert.output;
}

TEST_F(TlsPassthroughTest, ClosesConnectionsWithoutARoute) {
  // A host of the server without a tls route, and plaintext: closed, nothing answered.
  EXPECT_EQ(get("other.example.com").status, 0);
  EXPECT_EQ(rawExchange(port, "GET / HTTP/1.1\r\nHost: pt.example.com\r\n\r\n"), "");
  std::string log = gw->log();
  EXPECT_NE(log.find("no tls route for SNI 'other.example.com'"), std::string::npos) << log;
  // The gateway still proxies afterwards.
  EXPECT_EQ(get("pt.example.com").status, 200);
}

}  // namespace
}  // namespace portico::testing
