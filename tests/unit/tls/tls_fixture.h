// Shared fixture of the TLS tests: a CA, another CA, and helpers that write a server's
// certificate files into a TempDir and build contexts and selectors from them.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

#include "portico/tls/certificate_source.h"
#include "portico/tls/server_tls_context.h"
#include "portico/tls/sni_selector.h"
#include "support/process.h"
#include "unit/tls/handshake_harness.h"
#include "unit/tls/test_pki.h"

namespace portico::tls::testing {

class TlsTest : public ::testing::Test {
 protected:
  using Mode = config::ServerTls::Mode;

  // Debug logging on, into a logger without sinks: the failure log lines are formatted (so
  // their arguments are exercised, under ASan too) but print nothing.
  TlsTest() : previousLogger_(spdlog::default_logger()) {
    auto quiet = std::make_shared<spdlog::logger>("tls-test");
    quiet->set_level(spdlog::level::debug);
    spdlog::set_default_logger(quiet);
  }
  ~TlsTest() override { spdlog::set_default_logger(previousLogger_); }

  // Writes <dir>/<name>/{tls.crt,tls.key,ca.crt} and returns file-path settings for them.
  config::ServerTls writeServer(const std::string& name, const KeyAndCert& kc,
                                Mode mode = Mode::kSimple) {
    auto base = dir_.path() / name;
    writeFile(base / "tls.crt", kc.certPem());
    writeFile(base / "tls.key", kc.keyPem());
    writeFile(base / "ca.crt", ca_.certPem());
    config::ServerTls tls;
    tls.mode = mode;
    tls.modeSet = true;
    tls.serverCertificate = (base / "tls.crt").string();
    tls.privateKey = (base / "tls.key").string();
    if (mode == Mode::kMutual || mode == Mode::kOptionalMutual) {
      tls.caCertificates = (base / "ca.crt").string();
    }
    return tls;
  }

  KeyAndCert serverCert(const std::string& cn, const std::string& sans) {
    return issue(cn, sans, &ca_, false);
  }

  std::shared_ptr<const ServerTlsContext> context(const std::string& label,
                                                  std::vector<std::string> hosts,
                                                  const config::ServerTls& tls, bool http2 = false,
                                                  std::vector<std::string>* warnings = nullptr) {
    CertificateSource source(label, tls, dir_.path());
    auto loaded = source.load();
    EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error());
    if (!loaded) return nullptr;
    std::vector<std::string> ignored;
    auto made = ServerTlsContext::create(label, std::move(hosts), tls, source.paths(),
                                         std::move(*loaded), ServerTlsContext::Options{http2},
                                         warnings != nullptr ? *warnings : ignored);
    EXPECT_TRUE(made.has_value()) << (made ? "" : made.error());
    return made ? *made : nullptr;
  }

  std::shared_ptr<const SniSelector> selector(
      std::vector<std::shared_ptr<const ServerTlsContext>> servers) {
    auto made = SniSelector::create(443, std::move(servers), nullptr);
    EXPECT_TRUE(made.has_value());
    return made ? *made : nullptr;
  }

  // A selector with one server for `hosts` (SIMPLE unless told).
  std::shared_ptr<const SniSelector> single(std::vector<std::string> hosts, config::ServerTls tls,
                                            bool http2 = false) {
    return selector({context("server", std::move(hosts), tls, http2)});
  }

  std::shared_ptr<spdlog::logger> previousLogger_;
  portico::testing::TempDir dir_;
  KeyAndCert ca_ = issue("Test CA", "", nullptr, true);
  KeyAndCert otherCa_ = issue("Other CA", "", nullptr, true);
};

}  // namespace portico::tls::testing
