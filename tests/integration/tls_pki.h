// Test certificates made with the openssl CLI at test time, for the TLS integration tests:
// a CA, an untrusted CA, server certificates and client certificates (one expired).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/process.h"

namespace portico::testing {

// Runs an openssl command in `dir`; fails the test on a non-zero exit.
inline void openssl(const TempDir& dir, const std::string& args) {
  auto r = runCommand("cd " + dir.path().string() + " && openssl " + args + " 2>&1");
  ASSERT_EQ(r.exitCode, 0) << "openssl " << args << "\n" << r.output;
}

// A CA and the certificates the tests present, as PEM files in dir/pki.
class TestPki {
 public:
  explicit TestPki(const TempDir& dir) : dir_(dir) {
    std::filesystem::create_directories(dir.path() / "pki");
    makeCa("ca", "Portico Test CA");
    makeCa("other-ca", "Untrusted CA");
    issue("a", "a.example.com", "ca", 30);
    issue("w", "*.example.com", "ca", 30);
    issue("m", "m.example.com", "ca", 30);
    issue("pt", "pt.example.com", "ca", 30);
    issue("client", "client.example.com", "ca", 30, true);
    issue("stranger", "stranger.example.com", "other-ca", 30, true);
    // -days -1: notAfter a day before notBefore, so the certificate is expired now.
    issue("expired", "expired.example.com", "ca", -1, true);
  }
  std::string path(const std::string& name) const { return (dir_.path() / "pki" / name).string(); }

 private:
  void makeCa(const std::string& name, const std::string& cn) {
    openssl(dir_,
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj '/CN=" +
                cn + "' -keyout pki/" + name + ".key -out pki/" + name + ".crt");
  }
  void issue(const std::string& name, const std::string& cn, const std::string& ca, int days,
             bool client = false) {
    dir_.write("pki/" + name + ".ext",
               client ? "extendedKeyUsage=clientAuth\n"
                      : "subjectAltName=DNS:" + cn + "\nextendedKeyUsage=serverAuth\n");
    openssl(dir_, "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=" + cn +
                      "' -keyout pki/" + name + ".key -out pki/" + name + ".csr");
    openssl(dir_, "x509 -req -in pki/" + name + ".csr -CA pki/" + ca + ".crt -CAkey pki/" + ca +
                      ".key -CAcreateserial -days " + std::to_string(days) + " -extfile pki/" +
                      name + ".ext -out pki/" + name + ".crt");
  }
  const TempDir& dir_;
};

}  // namespace portico::testing
