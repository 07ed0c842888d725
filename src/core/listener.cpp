#include "portico/core/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/core/downstream_connection.h"
#include "portico/core/passthrough_connection.h"
#include "portico/core/worker.h"
#include "portico/tls/tls_listener_contexts.h"

namespace portico::core {
namespace asio = boost::asio;

namespace {

// The connection lives in this coroutine's frame: it exists exactly as long as it runs.
asio::awaitable<void> serveConnection(Worker& worker, DownstreamTransport transport,
                                      uint16_t port) {
  DownstreamConnection connection(worker, std::move(transport), port);
  co_await connection.run();
}

asio::awaitable<void> servePassthrough(Worker& worker, asio::ip::tcp::socket socket,
                                       uint16_t port) {
  PassthroughConnection connection(worker, std::move(socket), port);
  co_await connection.run();
}

}  // namespace

Listener::Listener(Worker& worker, asio::ip::tcp::endpoint endpoint)
    : worker_(worker), endpoint_(endpoint), acceptor_(worker.context()) {}

boost::system::error_code Listener::open() {
  if (route::SnapshotPtr snapshot = worker_.store().current()) {
    if (const route::Listener* listener = snapshot->listener(endpoint_.port())) {
      bool passthrough = false;
      for (const auto& server : listener->servers) {
        terminatesTls_ = terminatesTls_ || tls::TlsListenerContexts::terminates(server);
        // An HTTP server's tls (httpsRedirect) also reads as mode PASSTHROUGH, the default.
        passthrough = passthrough || (server.tls && !config::isHttpProtocol(listener->protocol) &&
                                      server.tls->mode == config::ServerTls::Mode::kPassthrough);
      }
      // A port mixing PASSTHROUGH and terminating servers terminates (docs/tls.md).
      passthrough_ = passthrough && !terminatesTls_;
    }
  }
  boost::system::error_code ec;
  acceptor_.open(endpoint_.protocol(), ec);
  if (ec) return ec;
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  int one = 1;
  if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return {errno, boost::system::system_category()};
  }
  acceptor_.bind(endpoint_, ec);
  if (ec) return ec;
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

void Listener::start() { asio::co_spawn(acceptor_.get_executor(), acceptLoop(), asio::detached); }

uint16_t Listener::localPort() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Listener::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Listener::acceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: keep accepting; the backlog holds the client meanwhile.
      spdlog::warn("accept on port {}: {}", endpoint_.port(), ec.message());
      continue;
    }
    if (passthrough_) {
      asio::co_spawn(worker_.context(), servePassthrough(worker_, std::move(socket), port()),
                     asio::detached);
      continue;
    }
    if (!terminatesTls_) {
      asio::co_spawn(worker_.context(),
                     serveConnection(worker_, DownstreamTransport(std::move(socket)), port()),
                     asio::detached);
      continue;
    }
    route::SnapshotPtr snapshot = worker_.store().current();
    auto selector = snapshot->tls ? snapshot->tls->forPort(port()) : nullptr;
    if (!selector) {
      // Every server of this port failed to load its certificates: nothing can answer.
      spdlog::debug("tls: port {}: no usable certificate; connection closed", port());
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(
        worker_.context(),
        serveConnection(worker_, DownstreamTransport(std::move(socket), std::move(selector)),
                        port()),
        asio::detached);
  }
}

}  // namespace portico::core
