// The same contexts against the `openssl s_client` command line, an independent client:
// session resumption as s_client reports it, and an old-protocol client refused.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "unit/tls/tls_fixture.h"

namespace portico::tls::testing {
namespace {

// Serves TLS connections on a loopback port from a thread until destroyed: handshake,
// recordHandshake, "hello\n", clean shutdown.
class LoopbackTlsServer {
 public:
  explicit LoopbackTlsServer(std::shared_ptr<const SniSelector> selector)
      : selector_(std::move(selector)),
        acceptor_(ioc_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run_for(std::chrono::seconds(60)); });
  }
  ~LoopbackTlsServer() {
    ioc_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  using Stream = asio::ssl::stream<asio::ip::tcp::socket>;
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      auto stream = std::make_shared<Stream>(std::move(socket), selector_->sslContext());
      stream->async_handshake(
          asio::ssl::stream_base::server, [this, stream](boost::system::error_code hec) {
            selector_->recordHandshake(stream->native_handle(), hec);
            if (hec) return;
            asio::async_write(*stream, asio::buffer("hello\n", 6),
                              [stream](boost::system::error_code, std::size_t) {
                                stream->async_shutdown([stream](boost::system::error_code) {});
                              });
          });
      accept();
    });
  }

  std::shared_ptr<const SniSelector> selector_;
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

class OpensslClientTest : public TlsTest {
 protected:
  std::string sClient(uint16_t port, const std::string& args) {
    // `sleep 1 |` keeps stdin open long enough to receive the TLS 1.3 tickets.
    auto result = portico::testing::runCommand(
        "sleep 1 | openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " " + args,
        std::chrono::seconds(20));
    lastExit_ = result.exitCode;
    return result.output;
  }
  int lastExit_ = -1;
};

TEST_F(OpensslClientTest, SessionResumptionIsReported) {
  auto sel =
      single({"a.example.com"}, writeServer("a", serverCert("a.example.com", "DNS:a.example.com")));
  LoopbackTlsServer server(sel);
  std::string session = (dir_.path() / "session.pem").string();
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    std::string common = std::string("-servername a.example.com ") + version;
    std::string first = sClient(server.port(), common + " -sess_out " + session);
    EXPECT_NE(first.find("New, TLSv1."), std::string::npos) << first;
    EXPECT_NE(first.find("CN = a.example.com"), std::string::npos) << first;
    std::string second = sClient(server.port(), common + " -sess_in " + session);
    EXPECT_NE(second.find("Reused, TLSv1."), std::string::npos) << second;
  }
  EXPECT_EQ(sel->stats().sessions_reused.load(), 2u);
}

TEST_F(OpensslClientTest, Tls11ClientIsRefused) {
  auto sel =
      single({"a.example.com"}, writeServer("a", serverCert("a.example.com", "DNS:a.example.com")));
  LoopbackTlsServer server(sel);
  std::string out =
      sClient(server.port(), "-servername a.example.com -tls1_1 -cipher DEFAULT@SECLEVEL=0");
  EXPECT_NE(lastExit_, 0) << out;
  EXPECT_NE(out.find("alert protocol version"), std::string::npos) << out;
  EXPECT_EQ(sel->stats().handshake_failures.load(), 1u);
  EXPECT_EQ(sel->stats().handshakes.load(), 0u);
}

}  // namespace
}  // namespace portico::tls::testing
