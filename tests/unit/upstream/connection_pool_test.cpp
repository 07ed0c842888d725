#include "portico/upstream/connection_pool.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <thread>

namespace portico::upstream {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class ConnectionPoolTest : public ::testing::Test {
 protected:
  ConnectionPoolTest()
      : acceptor_(context_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

  // A connected pair: our UpstreamConnection and the upstream's accepted socket.
  std::pair<std::unique_ptr<UpstreamConnection>, tcp::socket> connectPair() {
    auto future = asio::co_spawn(
        context_,
        UpstreamConnection::connect(context_.get_executor(), acceptor_.local_endpoint(),
                                    std::chrono::seconds(2)),
        asio::use_future);
    tcp::socket accepted(context_);
    acceptor_.async_accept(accepted, [](boost::system::error_code) {});
    context_.run_for(std::chrono::seconds(2));
    context_.restart();
    auto [ec, conn] = future.get();
    EXPECT_FALSE(ec) << ec.message();
    return {std::move(conn), std::move(accepted)};
  }

  asio::io_context context_;
  tcp::acceptor acceptor_;
};

TEST_F(ConnectionPoolTest, ReusesLiveConnectionsLastInFirstOut) {
  ConnectionPool pool(4, std::chrono::seconds(60));
  auto [a, peerA] = connectPair();
  auto [b, peerB] = connectPair();
  UpstreamConnection* rawB = b.get();
  pool.release(std::move(a));
  pool.release(std::move(b));
  EXPECT_EQ(pool.idleCount(), 2u);
  auto got = pool.takeIdle();
  EXPECT_EQ(got.get(), rawB);
  EXPECT_EQ(pool.idleCount(), 1u);
}

TEST_F(ConnectionPoolTest, DropsConnectionsTheUpstreamClosed) {
  ConnectionPool pool(4, std::chrono::seconds(60));
  auto [a, peerA] = connectPair();
  pool.release(std::move(a));
  peerA.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the FIN arrive
  EXPECT_EQ(pool.takeIdle(), nullptr);
  EXPECT_EQ(pool.idleCount(), 0u);
}

TEST_F(ConnectionPoolTest, DropsConnectionsWithUnsolicitedBytes) {
  ConnectionPool pool(4, std::chrono::seconds(60));
  auto [a, peerA] = connectPair();
  pool.release(std::move(a));
  asio::write(peerA, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\n\r\n")));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(pool.takeIdle(), nullptr);
}

TEST_F(ConnectionPoolTest, EnforcesIdleTimeoutAndCap) {
  ConnectionPool expiring(4, std::chrono::milliseconds(10));
  auto [a, peerA] = connectPair();
  expiring.release(std::move(a));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(expiring.takeIdle(), nullptr);

  ConnectionPool capped(1, std::chrono::seconds(60));
  auto [b, peerB] = connectPair();
  auto [c, peerC] = connectPair();
  capped.release(std::move(b));
  capped.release(std::move(c));
  EXPECT_EQ(capped.idleCount(), 1u);
}

TEST_F(ConnectionPoolTest, SweepClosesExpiredAndPeerClosedConnections) {
  ConnectionPool pool(4, std::chrono::seconds(60));
  auto [a, peerA] = connectPair();
  auto [b, peerB] = connectPair();
  pool.release(std::move(a));
  pool.release(std::move(b));
  peerA.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pool.sweep();
  EXPECT_EQ(pool.idleCount(), 1u);
}

TEST_F(ConnectionPoolTest, ConnectTimesOutOrFailsWithAnError) {
  // A port nobody listens on: refused.
  tcp::endpoint closed;
  {
    tcp::acceptor a(context_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed = a.local_endpoint();
  }
  auto future = asio::co_spawn(
      context_,
      UpstreamConnection::connect(context_.get_executor(), closed, std::chrono::seconds(2)),
      asio::use_future);
  context_.run_for(std::chrono::seconds(3));
  auto [ec, conn] = future.get();
  EXPECT_TRUE(ec);
  EXPECT_EQ(conn, nullptr);
}

}  // namespace
}  // namespace portico::upstream
