// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/downstream_transport.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/http/io_deadline.h"
#include "portico/tls/sni_selector.h"

namespace portico::core {
namespace asio = boost::asio;

DownstreamTransport::DownstreamTransport(Socket socket) : socket_(std::move(socket)) {}

DownstreamTransport::DownstreamTransport(Socket socket,
                                         std::shared_ptr<const tls::SniSelector> selector)
    : socket_(socket.get_executor()),
      selector_(std::move(selector)),
      tls_(std::make_unique<TlsStream>(std::move(socket), selector_->sslContext())) {}

DownstreamTransport::~DownstreamTransport() = default;
DownstreamTransport::DownstreamTransport(DownstreamTransport&&) noexcept = default;

asio::awaitable<boost::system::error_code> DownstreamTransport::handshake(
    std::chrono::steady_clock::duration timeout) {
  if (!tls_) co_return boost::system::error_code{};
  http::IoDeadline deadline(get_executor());
  deadline.arm(lowestLayer(), timeout);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                             asio::as_tuple(asio::use_awaitable));
  if (ec && deadline.expired()) ec = asio::error::timed_out;
  deadline.disarm();
  selector_->recordHandshake(tls_->native_handle(), ec);
  co_return ec;
}

asio::awaitable<void> DownstreamTransport::shutdown(std::chrono::steady_clock::duration timeout) {
  if (!tls_ || !lowestLayer().is_open()) co_return;
  http::IoDeadline deadline(get_executor());
  deadline.arm(lowestLayer(), timeout);
  // Completes when the client answers with its close_notify, closes, or the deadline passes;
  // any of these is the end of the connection, so the result does not matter.
  co_await tls_->async_shutdown(asio::as_tuple(asio::use_awaitable));
  deadline.disarm();
}

void DownstreamTransport::close() {
  boost::system::error_code ec;
  Socket& socket = lowestLayer();
  socket.shutdown(Socket::shutdown_both, ec);
  socket.close(ec);
}

const tls::ServerTlsContext* DownstreamTransport::tlsServer() const {
  return tls_ ? tls::SniSelector::selectedServer(tls_->native_handle()) : nullptr;
}

std::string_view DownstreamTransport::alpn() const {
  return tls_ ? tls::SniSelector::alpn(tls_->native_handle()) : std::string_view();
}

std::string_view DownstreamTransport::sni() const {
  return tls_ ? tls::SniSelector::serverName(tls_->native_handle()) : std::string_view();
}

}  // namespace portico::core
