#include "portico/admin/admin_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <thread>

namespace portico::admin {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// The admin server on an ephemeral loopback port, its io_context on a thread of its own.
class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(server_.listen({asio::ip::make_address("127.0.0.1"), 0}));
    server_.addHandler("/hello", "says hello", [](const AdminRequest& r) {
      AdminResponse response;
      response.body = "hello " + std::string(r.query) + "\n";
      return response;
    });
    server_.addHandler(
        "/poke", "changes things", [](const AdminRequest&) { return AdminResponse{}; }, true);
    port_ = server_.port();
    server_.start();
    thread_ = std::thread([this] { context_.run(); });
  }
  void TearDown() override {
    asio::post(context_, [this] {
      server_.close();
      context_.stop();
    });
    thread_.join();
  }
  bhttp::response<bhttp::string_body> ask(bhttp::verb verb, const std::string& target) {
    asio::io_context client;
    asio::ip::tcp::socket socket(client);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    bhttp::request<bhttp::string_body> request(verb, target, 11);
    request.set(bhttp::field::host, "admin");
    request.keep_alive(false);
    request.prepare_payload();
    bhttp::write(socket, request);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket, buffer, response);
    return response;
  }

  asio::io_context context_{1};
  AdminServer server_{context_};
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(AdminServerTest, ReadyIs503BeforeTheFirstConfigThenLiveThenDraining) {
  for (std::string path : {"/ready", "/healthz/ready"}) {
    auto r = ask(bhttp::verb::get, path);
    EXPECT_EQ(r.result_int(), 503u);
    EXPECT_EQ(r.body(), "PRE_INITIALIZING\n");
  }
  server_.setState(AdminServer::State::kLive);
  EXPECT_EQ(ask(bhttp::verb::get, "/healthz/ready").body(), "LIVE\n");
  server_.setState(AdminServer::State::kDraining);
  auto r = ask(bhttp::verb::get, "/ready");
  EXPECT_EQ(r.result_int(), 503u);
  EXPECT_EQ(r.body(), "DRAINING\n");
}

TEST_F(AdminServerTest, HandlersGetTheQueryAndMutatingOnesOnlyPost) {
  auto hello = ask(bhttp::verb::get, "/hello?a=1");
  EXPECT_EQ(hello.body(), "hello a=1\n");
  EXPECT_EQ(hello[bhttp::field::content_type], "text/plain; charset=UTF-8");
  auto get = ask(bhttp::verb::get, "/poke");
  EXPECT_EQ(get.result_int(), 405u);
  EXPECT_EQ(get.body(), "This command requires POST.\n");
  EXPECT_EQ(ask(bhttp::verb::post, "/poke").result_int(), 200u);
}

TEST_F(AdminServerTest, IndexIsHtmlWithLinksAndPostForms) {
  auto r = ask(bhttp::verb::get, "/");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[bhttp::field::content_type], "text/html; charset=UTF-8");
  EXPECT_NE(r.body().find("<a href=\"/hello\">/hello</a></td><td>says hello</td>"),
            std::string::npos)
      << r.body();
  EXPECT_NE(r.body().find("<form action=\"/poke\" method=\"post\">"), std::string::npos)
      << r.body();
}

TEST_F(AdminServerTest, UnknownPathListsCommands) {
  auto r = ask(bhttp::verb::get, "/nope");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_NE(r.body().find("  /hello: says hello\n"), std::string::npos) << r.body();
}

}  // namespace
}  // namespace portico::admin
