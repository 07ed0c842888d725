// One worker's acceptor for one listener port, bound with SO_REUSEPORT so the kernel
// spreads connections over the workers. Owned by its Worker.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace portico::core {

class Worker;

class Listener {
 public:
  Listener(Worker& worker, boost::asio::ip::tcp::endpoint endpoint);

  boost::system::error_code open();
  void start();
  void close();
  // The configured port (the snapshot's key), and the port actually bound (differs for 0).
  uint16_t port() const { return endpoint_.port(); }
  uint16_t localPort() const;

 private:
  boost::asio::awaitable<void> acceptLoop();

  Worker& worker_;
  boost::asio::ip::tcp::endpoint endpoint_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace portico::core
