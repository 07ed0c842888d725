// A keep-alive HTTP/1.1 client on one loopback connection (Beast), for tests that must
// know a request went over the same connection as the one before: reload tests send
// requests across config changes and check the connection survived them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace portico::testing {

struct ProbeResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class HttpProbe {
 public:
  explicit HttpProbe(uint16_t port) : port_(port), socket_(context_) {}

  // Connects if not connected. False when the connection is refused or times out.
  bool connect(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // GET `path` on the current connection (never reconnects by itself); nullopt when the
  // connection failed, closed or the answer did not come within `timeout`.
  std::optional<ProbeResponse> get(const std::string& path,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool connected() const { return socket_.is_open(); }
  // True when the peer has closed the connection (EOF or reset) within `timeout`.
  bool closedByPeer(std::chrono::milliseconds timeout);
  void close();

 private:
  // Runs the context until `done` or the timeout; on timeout the socket is closed.
  bool runFor(std::chrono::milliseconds timeout, const bool& done);

  uint16_t port_;
  boost::asio::io_context context_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace portico::testing
