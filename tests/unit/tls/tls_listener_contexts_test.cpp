#include "portico/tls/tls_listener_contexts.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

class TlsListenerContextsTest : public TlsTest {
 protected:
  route::ServerBinding binding(const std::string& portName, std::vector<std::string> hosts,
                               std::optional<config::ServerTls> tls) {
    return route::ServerBinding{"default/gw", portName, std::move(hosts), std::move(tls)};
  }

  // Port 443: two terminating servers; 8443: PASSTHROUGH only; 80: plain HTTP with redirect.
  void SetUp() override {
    aTls_ = writeServer("a", serverCert("a.example.com", "DNS:a.example.com"));
    bTls_ = writeServer("b", serverCert("b.example.com", "DNS:b.example.com"), Mode::kMutual);
    route::Listener& https = snapshot_.listeners[443];
    https.port = 443;
    https.protocol = config::Protocol::kHttps;
    https.servers.push_back(binding("https-a", {"a.example.com"}, aTls_));
    https.servers.push_back(binding("https-b", {"b.example.com"}, bTls_));
    route::Listener& passthrough = snapshot_.listeners[8443];
    passthrough.port = 8443;
    passthrough.protocol = config::Protocol::kTls;
    config::ServerTls pt;
    pt.mode = Mode::kPassthrough;
    passthrough.servers.push_back(binding("tls-pt", {"pt.example.com"}, pt));
    route::Listener& http = snapshot_.listeners[80];
    http.port = 80;
    config::ServerTls redirect;
    redirect.httpsRedirect = true;
    http.servers.push_back(binding("http", {"*"}, redirect));
    options_.credentialsDir = dir_.path() / "credentials";
  }

  route::Snapshot snapshot_;
  config::ServerTls aTls_, bTls_;
  TlsListenerContexts::Options options_;
};

TEST_F(TlsListenerContextsTest, BuildsASelectorPerTerminatingPort) {
  auto built = TlsListenerContexts::build(snapshot_, options_);
  EXPECT_TRUE(built.errors.empty());
  ASSERT_NE(built.contexts, nullptr);
  EXPECT_EQ(built.contexts->selectors().size(), 1u);
  EXPECT_EQ(built.contexts->forPort(80), nullptr);
  EXPECT_EQ(built.contexts->forPort(8443), nullptr);
  auto sel = built.contexts->forPort(443);
  ASSERT_NE(sel, nullptr);
  EXPECT_EQ(sel->select("a.example.com")->label(), "Gateway default/gw server https-a");
  EXPECT_EQ(sel->select("b.example.com")->label(), "Gateway default/gw server https-b");
  HandshakeOutcome out = runHandshake(sel, {.sni = "a.example.com"});
  EXPECT_TRUE(out.accepted());
  EXPECT_EQ(out.peerCommonName, "a.example.com");

  auto watched = built.contexts->watchedPaths();
  EXPECT_NE(std::find(watched.begin(), watched.end(), std::filesystem::path(bTls_.caCertificates)),
            watched.end());
  EXPECT_NE(std::find(watched.begin(), watched.end(), dir_.path() / "a"), watched.end());
}

TEST_F(TlsListenerContextsTest, ABrokenServerIsLeftOutWithAnError) {
  KeyAndCert other = serverCert("x", "DNS:x");
  writeFile(bTls_.privateKey, other.keyPem());
  auto built = TlsListenerContexts::build(snapshot_, options_);
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0], "Gateway default/gw server https-b: the private key in " +
                                 bTls_.privateKey + " does not match the certificate in " +
                                 bTls_.serverCertificate);
  auto sel = built.contexts->forPort(443);
  ASSERT_NE(sel, nullptr);
  EXPECT_NE(sel->select("a.example.com"), nullptr);
  EXPECT_EQ(sel->select("b.example.com"), nullptr);  // its handshakes fail, like a missing secret
}

TEST_F(TlsListenerContextsTest, RotationIsPickedUpByFingerprint) {
  auto first = TlsListenerContexts::build(snapshot_, options_);
  auto sel1 = first.contexts->forPort(443);
  EXPECT_FALSE(first.contexts->certificatesChanged());
  EXPECT_TRUE(runHandshake(sel1, {.sni = "a.example.com"}).accepted());

  // cert-manager renews a.example.com: new key and certificate with a new CN.
  KeyAndCert renewed = serverCert("a.example.com renewed", "DNS:a.example.com");
  writeFile(aTls_.serverCertificate, renewed.certPem());
  writeFile(aTls_.privateKey, renewed.keyPem());
  EXPECT_TRUE(first.contexts->certificatesChanged());

  auto second = TlsListenerContexts::build(snapshot_, options_, first.contexts.get());
  EXPECT_TRUE(second.errors.empty());
  EXPECT_FALSE(second.contexts->certificatesChanged());
  auto sel2 = second.contexts->forPort(443);
  EXPECT_EQ(runHandshake(sel2, {.sni = "a.example.com"}).peerCommonName, "a.example.com renewed");
  // The old selector (still pinned by old connections) keeps serving the old certificate.
  EXPECT_EQ(runHandshake(sel1, {.sni = "a.example.com"}).peerCommonName, "a.example.com");
  // Unchanged server b keeps its context (and so its sessions); stats carry over.
  EXPECT_EQ(sel2->select("b.example.com"), sel1->select("b.example.com"));
  EXPECT_NE(sel2->select("a.example.com"), sel1->select("a.example.com"));
  EXPECT_EQ(&sel2->stats(), &sel1->stats());
  EXPECT_EQ(sel2->stats().handshakes.load(), 3u);
}

TEST_F(TlsListenerContextsTest, AHalfWrittenRotationKeepsThePreviousCertificate) {
  auto first = TlsListenerContexts::build(snapshot_, options_);
  KeyAndCert renewed = serverCert("a.example.com renewed", "DNS:a.example.com");
  writeFile(aTls_.serverCertificate, renewed.certPem());  // the key is not written yet
  EXPECT_TRUE(first.contexts->certificatesChanged());
  auto second = TlsListenerContexts::build(snapshot_, options_, first.contexts.get());
  EXPECT_TRUE(second.errors.empty());
  ASSERT_EQ(second.warnings.size(), 1u);
  EXPECT_EQ(second.warnings[0], "Gateway default/gw server https-a: the private key in " +
                                    aTls_.privateKey + " does not match the certificate in " +
                                    aTls_.serverCertificate +
                                    " (keeping the certificates loaded before)");
  auto sel2 = second.contexts->forPort(443);
  EXPECT_EQ(runHandshake(sel2, {.sni = "a.example.com"}).peerCommonName, "a.example.com");
}

TEST_F(TlsListenerContextsTest, CredentialNameUsesTheCredentialsDir) {
  KeyAndCert cert = serverCert("cred.example.com", "DNS:cred.example.com");
  writeFile(options_.credentialsDir / "cred" / "tls.crt", cert.certPem());
  writeFile(options_.credentialsDir / "cred" / "tls.key", cert.keyPem());
  config::ServerTls tls;
  tls.mode = Mode::kSimple;
  tls.credentialName = "cred";
  snapshot_.listeners[443].servers.push_back(binding("https-cred", {"cred.example.com"}, tls));
  auto built = TlsListenerContexts::build(snapshot_, options_);
  EXPECT_TRUE(built.errors.empty());
  HandshakeOutcome out = runHandshake(built.contexts->forPort(443), {.sni = "cred.example.com"});
  EXPECT_TRUE(out.accepted());
  EXPECT_EQ(out.peerCommonName, "cred.example.com");
}

}  // namespace
}  // namespace portico::tls::testing
