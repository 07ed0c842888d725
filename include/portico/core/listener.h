// One worker's acceptor for one listener port, bound with SO_REUSEPORT so the kernel
// spreads connections over the workers. Owned by its Worker. On a port with TLS-terminating
// servers each accepted socket is wrapped in TLS with the port's SniSelector from the
// snapshot current at accept (a certificate rotation reaches new connections only); the
// handshake itself runs in the connection's coroutine, on this worker. On a port whose
// servers are all PASSTHROUGH, connections go to a PassthroughConnection (TCP proxy by SNI).
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
  // Whether connections on this port are TLS (decided at open() from the current snapshot).
  bool terminatesTls() const { return terminatesTls_; }

 private:
  boost::asio::awaitable<void> acceptLoop();

  Worker& worker_;
  boost::asio::ip::tcp::endpoint endpoint_;
  boost::asio::ip::tcp::acceptor acceptor_;
  bool terminatesTls_ = false;
  bool passthrough_ = false;  // only PASSTHROUGH servers: route by SNI, proxy TCP
};

}  // namespace portico::core
