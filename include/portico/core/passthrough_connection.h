// One connection on a port whose Gateway servers are all tls.mode PASSTHROUGH: reads the
// ClientHello without terminating TLS (tls::ClientHelloInspector), picks the first
// VirtualService tls[] route whose sniHosts match its SNI (route::Listener::sniRoutes, from
// the snapshot current when the ClientHello arrived), connects to one of the route's
// destinations by weight, and copies bytes both ways untouched, the buffered ClientHello
// first. No route, no SNI, not TLS, or no upstream: the connection is closed (Envoy closes
// too: there is nothing to answer in plaintext). Lives in its coroutine's frame (Listener).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace portico::core {

class Worker;

class PassthroughConnection {
 public:
  PassthroughConnection(Worker& worker, boost::asio::ip::tcp::socket socket, uint16_t port);
  PassthroughConnection(const PassthroughConnection&) = delete;
  PassthroughConnection& operator=(const PassthroughConnection&) = delete;

  boost::asio::awaitable<void> run();

 private:
  // Reads until the ClientHello's SNI is known; false: close.
  boost::asio::awaitable<bool> readClientHello(std::string& sni);
  boost::asio::awaitable<bool> connectUpstream(const std::string& sni);

  Worker& worker_;
  boost::asio::ip::tcp::socket downstream_;
  boost::asio::ip::tcp::socket upstream_;
  uint16_t port_;
  std::string hello_;  // every byte read before the upstream was connected
};

}  // namespace portico::core
