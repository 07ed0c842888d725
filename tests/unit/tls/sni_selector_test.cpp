#include "portico/tls/sni_selector.h"

#include <gtest/gtest.h>

#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

class SniSelectorTest : public TlsTest {
 protected:
  // Four servers on one port, as four Gateway servers with different hosts.
  void SetUp() override {
    a_ = context("server a", {"a.example.com"},
                 writeServer("a", serverCert("a.example.com", "DNS:a.example.com")));
    b_ = context(
        "server b", {"b.example.com", "b2.example.com"},
        writeServer("b", serverCert("b.example.com", "DNS:b.example.com,DNS:b2.example.com")));
    wild_ =
        context("server wild", {"*.wild.example.com"},
                writeServer("wild", serverCert("*.wild.example.com", "DNS:*.wild.example.com")));
    star_ = context("server star", {"*.example.com"},
                    writeServer("star", serverCert("*.example.com", "DNS:*.example.com")));
    selector_ = selector({a_, b_, wild_, star_});
  }

  std::shared_ptr<const ServerTlsContext> a_, b_, wild_, star_;
  std::shared_ptr<const SniSelector> selector_;
};

TEST_F(SniSelectorTest, SelectsExactThenLongestWildcard) {
  EXPECT_EQ(selector_->select("a.example.com"), a_.get());
  EXPECT_EQ(selector_->select("A.Example.COM."), a_.get());
  EXPECT_EQ(selector_->select("b2.example.com"), b_.get());
  EXPECT_EQ(selector_->select("x.wild.example.com"), wild_.get());
  EXPECT_EQ(selector_->select("y.x.wild.example.com"), wild_.get());
  EXPECT_EQ(selector_->select("wild.example.com"), star_.get());
  EXPECT_EQ(selector_->select("c.example.com"), star_.get());
  EXPECT_EQ(selector_->select("example.com"), nullptr);
  EXPECT_EQ(selector_->select("other.org"), nullptr);
  EXPECT_EQ(selector_->select(""), nullptr);
}

TEST_F(SniSelectorTest, CatchAllServerTakesTheRest) {
  auto any = context("server any", {"*"}, writeServer("any", serverCert("any", "DNS:any")));
  auto withAny = selector({a_, any});
  EXPECT_EQ(withAny->select("a.example.com"), a_.get());
  EXPECT_EQ(withAny->select("other.org"), any.get());
  EXPECT_EQ(withAny->select(""), any.get());
}

TEST_F(SniSelectorTest, HandshakePresentsTheCertificateOfTheSniServer) {
  struct Case {
    std::string sni, cn, label;
  };
  for (const Case& c : {Case{"a.example.com", "a.example.com", "server a"},
                        Case{"b2.example.com", "b.example.com", "server b"},
                        Case{"x.wild.example.com", "*.wild.example.com", "server wild"},
                        Case{"c.example.com", "*.example.com", "server star"}}) {
    HandshakeOutcome out = runHandshake(selector_, {.sni = c.sni});
    EXPECT_TRUE(out.accepted()) << c.sni << ": " << out.serverError.message();
    EXPECT_EQ(out.peerCommonName, c.cn) << c.sni;
    EXPECT_EQ(out.serverLabel, c.label) << c.sni;
  }
  EXPECT_EQ(selector_->stats().handshakes.load(), 4u);
  EXPECT_EQ(selector_->stats().handshake_failures.load(), 0u);
}

TEST_F(SniSelectorTest, NoSniOrUnknownSniFailsWhenEveryServerNamesHosts) {
  HandshakeOutcome noSni = runHandshake(selector_, {});
  EXPECT_TRUE(noSni.serverError);
  EXPECT_TRUE(noSni.clientError);
  HandshakeOutcome unknown = runHandshake(selector_, {.sni = "other.org"});
  EXPECT_TRUE(unknown.serverError);
  EXPECT_TRUE(unknown.clientError);
  EXPECT_NE(unknown.clientError.message().find("unrecognized name"), std::string::npos)
      << unknown.clientError.message();
  EXPECT_EQ(selector_->stats().no_server_for_sni.load(), 2u);
  EXPECT_EQ(selector_->stats().handshake_failures.load(), 2u);
  EXPECT_EQ(selector_->stats().handshakes.load(), 0u);
}

TEST_F(SniSelectorTest, NoSniGoesToTheCatchAllServer) {
  auto any = context("server any", {"*"}, writeServer("any", serverCert("any", "DNS:any")));
  HandshakeOutcome out = runHandshake(selector({a_, any}), {});
  EXPECT_TRUE(out.accepted());
  EXPECT_EQ(out.serverLabel, "server any");
}

TEST_F(SniSelectorTest, HelloRetryRequestKeepsTheChosenServer) {
  // The server only takes P-256 key shares; an OpenSSL client sends X25519 first, so TLS 1.3
  // needs a HelloRetryRequest and a second ClientHello on the switched connection.
  ASSERT_EQ(SSL_CTX_set1_groups_list(selector_->sslContext().native_handle(), "P-256"), 1);
  HandshakeOutcome out = runHandshake(selector_, {.sni = "b.example.com"});
  EXPECT_TRUE(out.accepted()) << out.serverError.message() << out.clientError.message();
  EXPECT_EQ(out.version, "TLSv1.3");
  EXPECT_EQ(out.group, "prime256v1");  // after the retry
  EXPECT_EQ(out.peerCommonName, "b.example.com");
  EXPECT_EQ(out.serverLabel, "server b");
}

TEST_F(SniSelectorTest, HostMustBelongToTheSniServer) {
  EXPECT_TRUE(SniSelector::hostAllowed(*a_, "a.example.com"));
  EXPECT_TRUE(SniSelector::hostAllowed(*a_, "A.example.com:443"));
  EXPECT_FALSE(SniSelector::hostAllowed(*a_, "b.example.com"));  // 421
  EXPECT_TRUE(SniSelector::hostAllowed(*b_, "b2.example.com"));
  // Overlapping hosts: the wildcard server also serves a host another server names exactly.
  EXPECT_TRUE(SniSelector::hostAllowed(*star_, "a.example.com"));
  EXPECT_TRUE(SniSelector::hostAllowed(*wild_, "q.wild.example.com:8443"));
  EXPECT_FALSE(SniSelector::hostAllowed(*wild_, "wild.example.com"));
  EXPECT_FALSE(SniSelector::hostAllowed(*star_, "example.com"));
  EXPECT_FALSE(SniSelector::hostAllowed(*a_, ""));
  auto any = context("server any", {"*"}, writeServer("any", serverCert("any", "DNS:any")));
  EXPECT_TRUE(SniSelector::hostAllowed(*any, "[::1]:443"));
}

}  // namespace
}  // namespace portico::tls::testing
