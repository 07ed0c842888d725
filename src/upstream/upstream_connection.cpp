#include "portico/upstream/upstream_connection.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "portico/http/io_deadline.h"

namespace portico::upstream {
namespace asio = boost::asio;

asio::awaitable<std::pair<boost::system::error_code, std::unique_ptr<UpstreamConnection>>>
UpstreamConnection::connect(asio::any_io_executor executor, asio::ip::tcp::endpoint endpoint,
                            std::chrono::milliseconds timeout) {
  auto conn = std::make_unique<UpstreamConnection>(executor);
  http::IoDeadline deadline(executor);
  deadline.arm(conn->socket_, timeout);
  auto [ec] = co_await conn->socket_.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  bool timedOut = deadline.expired();
  deadline.disarm();
  if (timedOut) ec = asio::error::timed_out;
  if (ec) co_return std::make_pair(ec, std::unique_ptr<UpstreamConnection>());
  boost::system::error_code ignored;
  conn->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  co_return std::make_pair(ec, std::move(conn));
}

bool UpstreamConnection::closedWhileIdle() {
  if (!socket_.is_open() || reader_.hasBufferedBytes()) return true;
  char byte;
  ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;                            // FIN
  if (n > 0) return true;                             // unsolicited bytes
  return !(errno == EAGAIN || errno == EWOULDBLOCK);  // RST or other error
}

}  // namespace portico::upstream
