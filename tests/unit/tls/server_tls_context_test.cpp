#include "portico/tls/server_tls_context.h"

#include <gtest/gtest.h>

#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

class ServerTlsContextTest : public TlsTest {
 protected:
  KeyAndCert serverA_ = serverCert("a.example.com", "DNS:a.example.com");
  KeyAndCert goodClient_ =
      issue("client", "URI:spiffe://cluster.local/ns/default/sa/client", &ca_, false);
  KeyAndCert foreignClient_ =
      issue("foreign", "URI:spiffe://cluster.local/ns/default/sa/client", &otherCa_, false);
  KeyAndCert expiredClient_ = issue("expired", "URI:spiffe://cluster.local/ns/default/sa/client",
                                    &ca_, false, -7 * 86400, -86400);

  ClientOptions withClient(const KeyAndCert& kc) {
    ClientOptions o;
    o.sni = "a.example.com";
    o.certPem = kc.certPem();
    o.keyPem = kc.keyPem();
    return o;
  }
};

TEST_F(ServerTlsContextTest, MutualRequiresATrustedCurrentClientCertificate) {
  auto sel = single({"a.example.com"}, writeServer("a", serverA_, Mode::kMutual));

  HandshakeOutcome none = runHandshake(sel, {.sni = "a.example.com"});
  EXPECT_FALSE(none.accepted());
  EXPECT_TRUE(none.serverError);

  HandshakeOutcome foreign = runHandshake(sel, withClient(foreignClient_));
  EXPECT_FALSE(foreign.accepted());
  EXPECT_TRUE(foreign.serverError);

  HandshakeOutcome expired = runHandshake(sel, withClient(expiredClient_));
  EXPECT_FALSE(expired.accepted());
  EXPECT_TRUE(expired.serverError);

  HandshakeOutcome good = runHandshake(sel, withClient(goodClient_));
  EXPECT_TRUE(good.accepted()) << good.serverError.message();

  EXPECT_EQ(sel->stats().handshake_failures.load(), 3u);
  EXPECT_EQ(sel->stats().client_cert_rejected.load(), 3u);
  EXPECT_EQ(sel->stats().handshakes.load(), 1u);
}

TEST_F(ServerTlsContextTest, OptionalMutualAcceptsNoCertificateButRejectsABadOne) {
  auto sel = single({"a.example.com"}, writeServer("a", serverA_, Mode::kOptionalMutual));
  EXPECT_TRUE(runHandshake(sel, {.sni = "a.example.com"}).accepted());
  EXPECT_TRUE(runHandshake(sel, withClient(goodClient_)).accepted());
  EXPECT_FALSE(runHandshake(sel, withClient(foreignClient_)).accepted());
}

TEST_F(ServerTlsContextTest, SubjectAltNamesRestrictClientCertificates) {
  auto tls = writeServer("a", serverA_, Mode::kMutual);
  tls.subjectAltNames = {"spiffe://cluster.local/ns/default/sa/client"};
  auto sel = single({"a.example.com"}, tls);
  EXPECT_TRUE(runHandshake(sel, withClient(goodClient_)).accepted());

  KeyAndCert otherSan =
      issue("other", "URI:spiffe://cluster.local/ns/default/sa/other", &ca_, false);
  HandshakeOutcome out = runHandshake(sel, withClient(otherSan));
  EXPECT_FALSE(out.accepted());
  EXPECT_EQ(sel->stats().client_cert_rejected.load(), 1u);
}

TEST_F(ServerTlsContextTest, CertificateHashAndSpkiPins) {
  unsigned char digest[32];
  unsigned int len = 0;
  unsigned char* der = nullptr;
  int derLen = i2d_X509(goodClient_.cert.get(), &der);
  EVP_Digest(der, static_cast<std::size_t>(derLen), digest, &len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string hex;
  char byte[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(byte, sizeof(byte), i == 0 ? "%02X" : ":%02X", digest[i]);
    hex += byte;
  }
  auto tls = writeServer("a", serverA_, Mode::kMutual);
  tls.verifyCertificateHash = {hex};
  auto sel = single({"a.example.com"}, tls);
  EXPECT_TRUE(runHandshake(sel, withClient(goodClient_)).accepted());
  KeyAndCert sibling =
      issue("client", "URI:spiffe://cluster.local/ns/default/sa/client", &ca_, false);
  EXPECT_FALSE(runHandshake(sel, withClient(sibling)).accepted());

  // SPKI pin of the sibling's key: either list may match.
  der = nullptr;
  derLen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(sibling.cert.get()), &der);
  EVP_Digest(der, static_cast<std::size_t>(derLen), digest, &len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  unsigned char b64[64];
  EVP_EncodeBlock(b64, digest, 32);
  tls.verifyCertificateSpki = {reinterpret_cast<char*>(b64)};
  auto both = single({"a.example.com"}, tls);
  EXPECT_TRUE(runHandshake(both, withClient(goodClient_)).accepted());
  EXPECT_TRUE(runHandshake(both, withClient(sibling)).accepted());
  EXPECT_FALSE(runHandshake(both, withClient(issue("c3", "", &ca_, false))).accepted());
}

TEST_F(ServerTlsContextTest, CaCrlRejectsRevokedClientCertificates) {
  KeyAndCert revoked = issue("revoked", "", &ca_, false);
  auto tls = writeServer("a", serverA_, Mode::kMutual);
  tls.caCrl = writeFile(dir_.path() / "a" / "ca.crl", makeCrl(ca_, {&revoked})).string();
  auto sel = single({"a.example.com"}, tls);
  EXPECT_TRUE(runHandshake(sel, withClient(goodClient_)).accepted());
  EXPECT_FALSE(runHandshake(sel, withClient(revoked)).accepted());
  EXPECT_EQ(sel->stats().client_cert_rejected.load(), 1u);

  writeFile(tls.caCrl, "garbage");
  CertificateSource source("g", tls, dir_.path());
  auto loaded = source.load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), "g: no PEM CRL in " + tls.caCrl);
}

TEST_F(ServerTlsContextTest, CredentialNamesServeRsaAndEcdsa) {
  KeyAndCert ec = serverCert("a.example.com ecdsa", "DNS:a.example.com");
  KeyAndCert rsa = issue("a.example.com rsa", "DNS:a.example.com", &ca_, false, -3600, 86400, true);
  writeFile(dir_.path() / "a-ec" / "tls.crt", ec.certPem());
  writeFile(dir_.path() / "a-ec" / "tls.key", ec.keyPem());
  writeFile(dir_.path() / "a-rsa" / "tls.crt", rsa.certPem());
  writeFile(dir_.path() / "a-rsa" / "tls.key", rsa.keyPem());
  config::ServerTls tls;
  tls.mode = Mode::kSimple;
  tls.credentialNames = {"a-ec", "a-rsa"};
  auto sel = single({"a.example.com"}, tls);
  ClientOptions ecdsaClient{.sni = "a.example.com"};
  ecdsaClient.sigalgs = "ECDSA+SHA256";
  ClientOptions rsaClient{.sni = "a.example.com"};
  rsaClient.sigalgs = "rsa_pss_rsae_sha256";
  EXPECT_EQ(runHandshake(sel, ecdsaClient).peerCommonName, "a.example.com ecdsa");
  EXPECT_EQ(runHandshake(sel, rsaClient).peerCommonName, "a.example.com rsa");

  tls.credentialNames = {"a-ec", "a-ec"};
  CertificateSource same("g", tls, dir_.path());
  auto loaded = same.load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(),
            "g: credentialNames a-ec and a-ec must hold keys of different types (RSA and ECDSA)");
}

TEST_F(ServerTlsContextTest, BadPinIsAnError) {
  auto tls = writeServer("a", serverA_, Mode::kMutual);
  tls.verifyCertificateHash = {"zz"};
  CertificateSource source("g", tls, dir_.path());
  std::vector<std::string> warnings;
  auto made = ServerTlsContext::create("g", {"a.example.com"}, tls, source.paths(), *source.load(),
                                       {}, warnings);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error(), "g: verifyCertificateHash entry zz is not a hex SHA-256 digest");
}

TEST_F(ServerTlsContextTest, MinimumVersionDefaultsToTls12) {
  auto sel = single({"a.example.com"}, writeServer("a", serverA_));
  ClientOptions old{.sni = "a.example.com", .maxVersion = TLS1_1_VERSION, .legacy = true};
  HandshakeOutcome out = runHandshake(sel, old);
  EXPECT_FALSE(out.accepted());
  EXPECT_TRUE(out.serverError);
  EXPECT_NE(out.serverError.message().find("unsupported protocol"), std::string::npos)
      << out.serverError.message();
  EXPECT_EQ(sel->stats().handshake_failures.load(), 1u);

  HandshakeOutcome v12 = runHandshake(sel, {.sni = "a.example.com", .maxVersion = TLS1_2_VERSION});
  EXPECT_TRUE(v12.accepted());
  EXPECT_EQ(v12.version, "TLSv1.2");
  EXPECT_EQ(runHandshake(sel, {.sni = "a.example.com"}).version, "TLSv1.3");
}

TEST_F(ServerTlsContextTest, VersionRangeIsApplied) {
  auto tls = writeServer("a", serverA_);
  tls.maxProtocolVersion = config::TlsVersion::kTls12;
  auto sel = single({"a.example.com"}, tls);
  EXPECT_EQ(runHandshake(sel, {.sni = "a.example.com"}).version, "TLSv1.2");

  tls.minProtocolVersion = config::TlsVersion::kTls13;
  tls.maxProtocolVersion = config::TlsVersion::kAuto;
  auto only13 = single({"a.example.com"}, tls);
  EXPECT_FALSE(
      runHandshake(only13, {.sni = "a.example.com", .maxVersion = TLS1_2_VERSION}).accepted());
  EXPECT_EQ(runHandshake(only13, {.sni = "a.example.com"}).version, "TLSv1.3");

  tls.maxProtocolVersion = config::TlsVersion::kTls12;
  CertificateSource source("g", tls, dir_.path());
  std::vector<std::string> warnings;
  auto made = ServerTlsContext::create("g", {"a.example.com"}, tls, source.paths(), *source.load(),
                                       {}, warnings);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error(), "g: maxProtocolVersion TLSV1_2 is lower than minProtocolVersion TLSV1_3");
}

TEST_F(ServerTlsContextTest, CipherSuitesInvalidEntriesWarnAndAreIgnored) {
  auto tls = writeServer("a", serverA_);
  tls.cipherSuites = {"ECDHE-ECDSA-AES128-GCM-SHA256", "NOT-A-CIPHER",
                      "ECDHE-ECDSA-AES128-GCM-SHA256"};
  std::vector<std::string> warnings;
  auto ctx = context("Gateway default/gw server https", {"a.example.com"}, tls, false, &warnings);
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                "Gateway default/gw server https: ignoring invalid cipher suites: [NOT-A-CIPHER]",
                "Gateway default/gw server https: ignoring duplicate cipher suites: "
                "[ECDHE-ECDSA-AES128-GCM-SHA256]"}));
  auto sel = selector({ctx});
  HandshakeOutcome out = runHandshake(sel, {.sni = "a.example.com", .maxVersion = TLS1_2_VERSION});
  EXPECT_TRUE(out.accepted());
  EXPECT_EQ(out.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
  // A client that offers only other ciphers is refused.
  EXPECT_FALSE(runHandshake(sel, {.sni = "a.example.com",
                                  .maxVersion = TLS1_2_VERSION,
                                  .cipherList = "ECDHE-ECDSA-AES256-GCM-SHA384"})
                   .accepted());
}

TEST_F(ServerTlsContextTest, AlpnPrefersH2WhenEnabled) {
  auto tls = writeServer("a", serverA_);
  auto h2 = single({"a.example.com"}, tls, /*http2=*/true);
  EXPECT_EQ(runHandshake(h2, {.sni = "a.example.com", .alpn = {"http/1.1", "h2"}}).alpn, "h2");
  EXPECT_EQ(runHandshake(h2, {.sni = "a.example.com", .alpn = {"http/1.1"}}).alpn, "http/1.1");

  auto h1 = single({"a.example.com"}, tls, /*http2=*/false);
  EXPECT_EQ(runHandshake(h1, {.sni = "a.example.com", .alpn = {"h2", "http/1.1"}}).alpn,
            "http/1.1");
  HandshakeOutcome onlyH2 = runHandshake(h1, {.sni = "a.example.com", .alpn = {"h2"}});
  EXPECT_TRUE(onlyH2.accepted());
  EXPECT_EQ(onlyH2.alpn, "");
  EXPECT_TRUE(runHandshake(h1, {.sni = "a.example.com"}).accepted());

  EXPECT_EQ(h2->stats().alpn_h2.load(), 1u);
  EXPECT_EQ(h2->stats().alpn_http11.load(), 1u);
  EXPECT_EQ(h1->stats().alpn_http11.load(), 1u);
  EXPECT_EQ(h1->stats().alpn_none.load(), 2u);
}

TEST_F(ServerTlsContextTest, SessionsResumeWithTickets) {
  auto a = context("server a", {"a.example.com"}, writeServer("a", serverA_, Mode::kMutual));
  auto b = context("server b", {"b.example.com"},
                   writeServer("b", serverCert("b.example.com", "DNS:b.example.com")));
  auto sel = selector({a, b});
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    ClientOptions first = withClient(goodClient_);
    first.maxVersion = version;
    HandshakeOutcome full = runHandshake(sel, first);
    ASSERT_TRUE(full.accepted()) << version;
    EXPECT_FALSE(full.reused);
    ASSERT_NE(full.session, nullptr);

    ClientOptions again = first;
    again.resume = full.session.get();
    HandshakeOutcome resumed = runHandshake(sel, again);
    EXPECT_TRUE(resumed.accepted()) << version;
    EXPECT_TRUE(resumed.reused) << version;
    EXPECT_EQ(resumed.serverLabel, "server a");

    // A session of server a is not resumed on server b (session id contexts differ).
    ClientOptions elsewhere{
        .sni = "b.example.com", .maxVersion = version, .resume = full.session.get()};
    HandshakeOutcome other = runHandshake(sel, elsewhere);
    EXPECT_TRUE(other.accepted()) << version;
    EXPECT_FALSE(other.reused) << version;
  }
  EXPECT_EQ(sel->stats().sessions_reused.load(), 2u);
}

}  // namespace
}  // namespace portico::tls::testing
