// TLS termination through the real binary with real clients: `openssl s_client` for the
// certificate chosen per SNI, curl for requests (proxied, 421, mTLS, httpsRedirect).
// Certificates are made at test time with the openssl CLI in the test's TempDir.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "support/configs.h"
#include "support/gateway.h"
#include "tls_pki.h"

namespace portico::testing {
namespace {

// Two Gateways share the HTTPS port: gw1 serves a.example.com (files) and m.example.com
// (MUTUAL, credentialName), gw2 serves *.example.com (credentialName). gw1 also has a plain
// port that redirects to https. Each VirtualService binds to one Gateway only.
constexpr const char* kConfig = R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw1}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: {{HTTPS}}, name: https-a, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, serverCertificate: {{PKI}}/a.crt, privateKey: {{PKI}}/a.key}
  - port: {number: {{HTTPS}}, name: https-m, protocol: HTTPS}
    hosts: [m.example.com]
    tls: {mode: MUTUAL, credentialName: m-cred}
  - port: {number: {{HTTP}}, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw2}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: {{HTTPS}}, name: https-w, protocol: HTTPS}
    hosts: ["*.example.com"]
    tls: {mode: SIMPLE, credentialName: w-cred}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-a}
spec:
  hosts: [a.example.com]
  gateways: [gw1]
  http:
  - route: [{destination: {host: app, port: {number: 80}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-m}
spec:
  hosts: [m.example.com]
  gateways: [gw1]
  http:
  - directResponse: {status: 200, body: {string: "mutual"}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-w}
spec:
  hosts: ["*.example.com"]
  gateways: [gw2]
  http:
  - directResponse: {status: 200, body: {string: "wildcard"}}
---
)";

class TlsTerminationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The credentials directory laid out like mounted Kubernetes TLS secrets.
    auto creds = dir.path() / "creds";
    std::filesystem::create_directories(creds / "m-cred");
    std::filesystem::create_directories(creds / "w-cred");
    std::filesystem::copy_file(pki.path("m.crt"), creds / "m-cred" / "tls.crt");
    std::filesystem::copy_file(pki.path("m.key"), creds / "m-cred" / "tls.key");
    std::filesystem::copy_file(pki.path("ca.crt"), creds / "m-cred" / "ca.crt");
    std::filesystem::copy_file(pki.path("w.crt"), creds / "w-cred" / "tls.crt");
    std::filesystem::copy_file(pki.path("w.key"), creds / "w-cred" / "tls.key");

    std::string yaml = fill(kConfig, {{"HTTPS", std::to_string(httpsPort)},
                                      {"HTTP", std::to_string(httpPort)},
                                      {"PKI", (dir.path() / "pki").string()}}) +
                       staticServiceEntry("app", "app.default.svc.cluster.local", 80, app.port());
    GatewayOptions options;
    options.extraArgs = {"--credentials-dir", creds.string(), "--log-level", "debug"};
    gw = std::make_unique<Gateway>(dir, yaml, options);
    ASSERT_TRUE(gw->ready()) << gw->log();
  }

  // curl to https://HOST:PORT/PATH with HOST resolved to loopback (so SNI = HOST).
  HttpResult https(const std::string& host, const std::string& path,
                   const std::string& extra = "") {
    std::string port = std::to_string(httpsPort);
    return curl("--cacert " + pki.path("ca.crt") + " --resolve " + host + ":" + port +
                ":127.0.0.1 " + extra + " https://" + host + ":" + port + path);
  }
  // The subject of the certificate the gateway presents for `sni`, per openssl s_client.
  std::string subjectFor(const std::string& sni) {
    auto r = runCommand("openssl s_client -connect 127.0.0.1:" + std::to_string(httpsPort) +
                            " -servername " + sni + " </dev/null 2>/dev/null | " +
                            "openssl x509 -noout -subject",
                        std::chrono::seconds(20));
    return r.output;
  }

  TempDir dir;
  TestPki pki{dir};
  Upstream app{"app"};
  uint16_t httpsPort = freePort();
  uint16_t httpPort = freePort();
  std::unique_ptr<Gateway> gw;
};

TEST_F(TlsTerminationTest, PresentsTheCertificateOfTheServerTheSniNames) {
  EXPECT_NE(subjectFor("a.example.com").find("CN = a.example.com"), std::string::npos);
  // No exact server: the wildcard server's certificate, read from its credentialName dir.
  EXPECT_NE(subjectFor("c.example.com").find("CN = *.example.com"), std::string::npos);
  EXPECT_NE(subjectFor("m.example.com").find("CN = m.example.com"), std::string::npos);
  // No server for the name: the handshake fails, no certificate.
  EXPECT_EQ(subjectFor("other.test").find("CN ="), std::string::npos);
}

TEST_F(TlsTerminationTest, ProxiesARequestOverTlsWithForwardedProtoHttps) {
  auto r = https("a.example.com", "/echo");
  ASSERT_EQ(r.status, 200) << r.raw << gw->log();
  EXPECT_EQ(echoedHeader(r.body, "x-forwarded-proto"), "https");
  EXPECT_EQ(echoedTarget(r.body), "/echo");
  EXPECT_EQ(app.requests(), 1u);
}

TEST_F(TlsTerminationTest, AlpnNegotiatesHttp2WithTheSameRoutingAnd421) {
  auto r = https("a.example.com", "/h2", "--http2 -w '\\n%{http_version}'");
  ASSERT_EQ(r.status, 200) << r.raw << gw->log();
  EXPECT_NE(r.raw.find("HTTP/2 200"), std::string::npos) << r.raw;
  EXPECT_EQ(echoedHeader(r.body, "x-forwarded-proto"), "https");
  EXPECT_EQ(app.requests(), 1u);
  // The same SNI scoping as HTTP/1.1: another server's Host is misdirected.
  auto misdirected = https("a.example.com", "/", "--http2 -H 'Host: m.example.com'");
  EXPECT_EQ(misdirected.status, 421) << misdirected.raw;
  // A client that offers only http/1.1 still gets it.
  auto h1 = https("a.example.com", "/h1", "--http1.1");
  EXPECT_NE(h1.raw.find("HTTP/1.1 200"), std::string::npos) << h1.raw;
}

// cert-manager rewrites a mounted secret's files: new handshakes get the new certificate
// within a reload, and a TLS connection opened before keeps working.
TEST_F(TlsTerminationTest, RotatedCertificateIsServedWhileOpenConnectionsStayUp) {
  namespace ssl = boost::asio::ssl;
  namespace bhttp = boost::beast::http;
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(pki.path("ca.crt"));
  ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<boost::asio::ip::tcp::socket> kept(io, ctx);
  ASSERT_TRUE(SSL_set_tlsext_host_name(kept.native_handle(), "c.example.com"));
  kept.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), httpsPort});
  kept.handshake(ssl::stream_base::client);
  boost::beast::flat_buffer buffer;
  auto get = [&] {
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/", 11);
    req.set(bhttp::field::host, "c.example.com");
    bhttp::write(kept, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(kept, buffer, res);
    return res.body();
  };
  ASSERT_EQ(get(), "wildcard");

  // A new certificate for the same names, with a CN that tells it apart.
  dir.write("pki/rot.ext", "subjectAltName=DNS:*.example.com\nextendedKeyUsage=serverAuth\n");
  openssl(dir, "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=rotated' "
               "-keyout pki/rot.key -out pki/rot.csr");
  openssl(dir, "x509 -req -in pki/rot.csr -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial "
               "-days 30 -extfile pki/rot.ext -out pki/rot.crt");
  auto creds = dir.path() / "creds" / "w-cred";
  std::filesystem::copy_file(pki.path("rot.crt"), creds / "tls.crt",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(pki.path("rot.key"), creds / "tls.key",
                             std::filesystem::copy_options::overwrite_existing);

  bool rotated = false;
  for (int i = 0; i < 40 && !rotated; ++i) {
    rotated = subjectFor("c.example.com").find("CN = rotated") != std::string::npos;
    if (!rotated) usleep(100 * 1000);
  }
  EXPECT_TRUE(rotated) << gw->log();
  EXPECT_EQ(get(), "wildcard") << "the connection opened before the rotation still serves";
  // The other servers' certificates did not change.
  EXPECT_NE(subjectFor("a.example.com").find("CN = a.example.com"), std::string::npos);
}

TEST_F(TlsTerminationTest, KeepAliveRequestsShareOneTlsConnection) {
  std::string url = "https://a.example.com:" + std::to_string(httpsPort) + "/k";
  dir.write("urls.txt", repeatedUrls(url, 3));
  auto r =
      runCommand("curl -s --cacert " + pki.path("ca.crt") +
                     " --resolve a.example.com:" + std::to_string(httpsPort) + ":127.0.0.1 -K " +
                     (dir.path() / "urls.txt").string() + " -w '%{http_code} %{num_connects}\\n'",
                 std::chrono::seconds(30));
  EXPECT_EQ(r.output, "200 1\n200 0\n200 0\n") << gw->log();
}

TEST_F(TlsTerminationTest, HostOfAnotherServerIsMisdirected) {
  // SNI a.example.com, Host m.example.com: another server's host on the same port.
  auto r = https("a.example.com", "/", "-H 'Host: m.example.com'");
  EXPECT_EQ(r.status, 421) << r.raw;
  EXPECT_EQ(app.requests(), 0u);
}

TEST_F(TlsTerminationTest, OverlappingHostRoutesOnlyToTheSniServersVirtualServices) {
  // SNI c.example.com picks gw2's *.example.com server; Host a.example.com overlaps it, so
  // no 421, and routing uses gw2's VirtualServices only (vs-a is bound to gw1).
  auto r = https("c.example.com", "/", "-H 'Host: a.example.com'");
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, "wildcard");
  EXPECT_EQ(app.requests(), 0u);
  // Same Host with its own SNI: gw1's route to the upstream.
  EXPECT_EQ(https("a.example.com", "/").status, 200);
  EXPECT_EQ(app.requests(), 1u);
}

TEST_F(TlsTerminationTest, MutualTlsAcceptsOnlyATrustedValidClientCertificate) {
  auto good = https("m.example.com", "/",
                    "--cert " + pki.path("client.crt") + " --key " + pki.path("client.key"));
  EXPECT_EQ(good.status, 200) << good.raw << gw->log();
  EXPECT_EQ(good.body, "mutual");

  auto none = https("m.example.com", "/");
  EXPECT_EQ(none.status, 0) << none.raw;
  auto untrusted =
      https("m.example.com", "/",
            "--cert " + pki.path("stranger.crt") + " --key " + pki.path("stranger.key"));
  EXPECT_EQ(untrusted.status, 0) << untrusted.raw;
  auto expired = https("m.example.com", "/",
                       "--cert " + pki.path("expired.crt") + " --key " + pki.path("expired.key"));
  EXPECT_EQ(expired.status, 0) << expired.raw;

  // The failures are handshake failures, logged at debug with OpenSSL's reason.
  std::string log = gw->log();
  EXPECT_NE(log.find("handshake failed"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate has expired"), std::string::npos) << log;
}

TEST_F(TlsTerminationTest, MutualTlsRejectsAClientWithoutCertificateInTheHandshake) {
  // TLS 1.2: the server's verdict on a missing certificate is part of the handshake, which
  // s_client then reports as failed.
  auto r = runCommand("openssl s_client -tls1_2 -connect 127.0.0.1:" + std::to_string(httpsPort) +
                          " -servername m.example.com </dev/null 2>&1",
                      std::chrono::seconds(20));
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("alert"), std::string::npos) << r.output;
}

TEST_F(TlsTerminationTest, PlainHttpServerRedirectsToHttps) {
  auto r = curl("-H 'Host: a.example.com' 'http://127.0.0.1:" + std::to_string(httpPort) +
                "/some/path?q=1'");
  EXPECT_EQ(r.status, 301) << r.raw;
  EXPECT_EQ(r.headers["location"], "https://a.example.com/some/path?q=1");
  EXPECT_EQ(app.requests(), 0u);
}

}  // namespace
}  // namespace portico::testing
