#include "portico/tls/certificate_source.h"

#include <gtest/gtest.h>

#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

class CertificateSourceTest : public TlsTest {};

TEST_F(CertificateSourceTest, LoadsFilePathsAndValidatesTheKey) {
  auto tls = writeServer("a", serverCert("a.example.com", "DNS:a.example.com"), Mode::kMutual);
  CertificateSource source("Gateway default/gw server https", tls, dir_.path());
  auto loaded = source.load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_NE(loaded->certificate, nullptr);
  EXPECT_NE(loaded->privateKey, nullptr);
  EXPECT_EQ(loaded->caCertificates.size(), 1u);
  EXPECT_EQ(loaded->fingerprint.size(), 64u);
  auto again = source.fingerprint();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, loaded->fingerprint);
}

TEST_F(CertificateSourceTest, CredentialNameReadsTheSecretLayout) {
  KeyAndCert cert = serverCert("cred.example.com", "DNS:cred.example.com");
  auto creds = dir_.path() / "credentials";
  writeFile(creds / "my-secret" / "tls.crt", cert.certPem());
  writeFile(creds / "my-secret" / "tls.key", cert.keyPem());
  writeFile(creds / "my-secret" / "ca.crt", ca_.certPem());
  config::ServerTls tls;
  tls.mode = Mode::kMutual;
  tls.credentialName = "my-secret";
  CertificateSource source("Gateway default/gw server https", tls, creds);
  CertificatePaths paths = source.paths();
  EXPECT_EQ(paths.certificate, creds / "my-secret" / "tls.crt");
  EXPECT_EQ(paths.privateKey, creds / "my-secret" / "tls.key");
  EXPECT_EQ(paths.caCertificates, creds / "my-secret" / "ca.crt");
  auto loaded = source.load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->caCertificates.size(), 1u);
}

TEST_F(CertificateSourceTest, CredentialNameWithSeparateCaSecret) {
  KeyAndCert cert = serverCert("cred.example.com", "DNS:cred.example.com");
  auto creds = dir_.path() / "credentials";
  writeFile(creds / "s" / "tls.crt", cert.certPem());
  writeFile(creds / "s" / "tls.key", cert.keyPem());
  writeFile(creds / "s-cacert" / "ca.crt", ca_.certPem());
  config::ServerTls tls;
  tls.mode = Mode::kMutual;
  tls.credentialName = "s";
  CertificateSource source("Gateway default/gw server https", tls, creds);
  EXPECT_EQ(source.paths().caCertificates, creds / "s-cacert" / "ca.crt");
  EXPECT_TRUE(source.load().has_value());
}

TEST_F(CertificateSourceTest, SimpleModeNeedsNoCa) {
  config::ServerTls tls = writeServer("a", serverCert("a", "DNS:a"), Mode::kSimple);
  CertificateSource source("g", tls, dir_.path());
  EXPECT_TRUE(source.paths().caCertificates.empty());
  auto loaded = source.load();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_TRUE(loaded->caCertificates.empty());
}

TEST_F(CertificateSourceTest, MissingFileNamesFileAndServer) {
  config::ServerTls tls;
  tls.mode = Mode::kSimple;
  tls.credentialName = "absent";
  CertificateSource source("Gateway default/gw server https", tls, dir_.path());
  auto loaded = source.load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), "Gateway default/gw server https: cannot read " +
                                (dir_.path() / "absent" / "tls.crt").string() +
                                ": No such file or directory");
}

TEST_F(CertificateSourceTest, KeyOfAnotherCertificateIsAClearError) {
  config::ServerTls tls = writeServer("a", serverCert("a", "DNS:a"));
  KeyAndCert other = serverCert("b", "DNS:b");
  writeFile(tls.privateKey, other.keyPem());
  CertificateSource source("Gateway default/gw server https", tls, dir_.path());
  auto loaded = source.load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), "Gateway default/gw server https: the private key in " +
                                tls.privateKey + " does not match the certificate in " +
                                tls.serverCertificate);
}

TEST_F(CertificateSourceTest, GarbageIsAClearError) {
  config::ServerTls tls = writeServer("a", serverCert("a", "DNS:a"), Mode::kMutual);
  writeFile(tls.caCertificates, "not a pem\n");
  CertificateSource source("g", tls, dir_.path());
  auto loaded = source.load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), "g: no PEM certificate in the CA bundle " + tls.caCertificates);

  writeFile(tls.privateKey, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  loaded = source.load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().rfind("g: cannot parse the private key in " + tls.privateKey + ": ", 0),
            0u)
      << loaded.error();
}

TEST_F(CertificateSourceTest, FingerprintChangesWithContent) {
  config::ServerTls tls = writeServer("a", serverCert("a", "DNS:a"));
  CertificateSource source("g", tls, dir_.path());
  auto before = source.fingerprint();
  ASSERT_TRUE(before.has_value());
  KeyAndCert renewed = serverCert("a", "DNS:a");
  writeFile(tls.serverCertificate, renewed.certPem());
  writeFile(tls.privateKey, renewed.keyPem());
  auto after = source.fingerprint();
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(*before, *after);
  EXPECT_EQ(*after, source.load()->fingerprint);
}

}  // namespace
}  // namespace portico::tls::testing
