// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/websocket_tunnel.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

namespace portico::core {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPiece = 16 * 1024;

}  // namespace

asio::awaitable<WebSocketTunnel::Result> WebSocketTunnel::run(const http::ResponseHead& head,
                                                              std::string clientBytes,
                                                              std::string upstreamBytes) {
  using namespace asio::experimental::awaitable_operators;
  // The upstream's Connection/Upgrade were stripped as hop-by-hop by the response reader;
  // a 101 for a WebSocket upgrade carries exactly these.
  std::string out = "HTTP/1.1 101 Switching Protocols\r\n";
  for (const auto& e : head.headers.entries()) {
    out.append(e.name).append(": ").append(e.value).append("\r\n");
  }
  out.append("connection: upgrade\r\nupgrade: websocket\r\n\r\n");
  auto [ec, n] =
      co_await asio::async_write(client_, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
  if (ec) {
    closeBoth();
    co_return result_;
  }
  lastActivity_ = Clock::now();
  co_await ((clientToUpstream(std::move(clientBytes)) &&
             upstreamToClient(std::move(upstreamBytes))) ||
            watchIdle());
  // The client side is left to its connection, which closes it (TLS: with close_notify).
  boost::system::error_code ignored;
  upstream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return result_;
}

asio::awaitable<void> WebSocketTunnel::clientToUpstream(std::string pending) {
  auto& upstream = upstream_.socket();
  if (!pending.empty()) {
    auto [ec, n] = co_await asio::async_write(upstream, asio::buffer(pending),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) {
      closeBoth();
      co_return;
    }
    result_.bytesUp += pending.size();
  }
  auto piece = std::make_unique_for_overwrite<char[]>(kPiece);
  for (;;) {
    auto [rec, n] = co_await client_.async_read_some(asio::buffer(piece.get(), kPiece),
                                                     asio::as_tuple(asio::use_awaitable));
    if (n > 0) {
      lastActivity_ = Clock::now();
      auto [wec, written] = co_await asio::async_write(upstream, asio::buffer(piece.get(), n),
                                                       asio::as_tuple(asio::use_awaitable));
      if (wec) {
        closeBoth();
        co_return;
      }
      result_.bytesUp += n;
    }
    if (rec) {
      boost::system::error_code ignored;
      if (upstreamEnded_) co_return;  // cancelled by the end below: nothing to pass on
      if (rec == asio::error::eof) {
        // A FIN (or a TLS close_notify) is passed on: the upstream may still answer.
        upstream.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      } else {
        closeBoth();  // a reset, or TCP closed under TLS without close_notify
      }
      co_return;
    }
  }
}

asio::awaitable<void> WebSocketTunnel::upstreamToClient(std::string pending) {
  auto& upstream = upstream_.socket();
  if (!pending.empty()) {
    auto [ec, n] = co_await asio::async_write(client_, asio::buffer(pending),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) {
      closeBoth();
      co_return;
    }
    result_.bytesDown += pending.size();
  }
  auto piece = std::make_unique_for_overwrite<char[]>(kPiece);
  for (;;) {
    auto [rec, n] = co_await upstream.async_read_some(asio::buffer(piece.get(), kPiece),
                                                      asio::as_tuple(asio::use_awaitable));
    if (n > 0) {
      lastActivity_ = Clock::now();
      auto [wec, written] = co_await asio::async_write(client_, asio::buffer(piece.get(), n),
                                                       asio::as_tuple(asio::use_awaitable));
      if (wec) {
        closeBoth();
        co_return;
      }
      result_.bytesDown += n;
    }
    if (rec) {
      boost::system::error_code ignored;
      if (rec != asio::error::eof) {
        closeBoth();
      } else if (!client_.isTls()) {
        client_.lowestLayer().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      } else {
        // TLS cannot half-close: the tunnel ends here, and the connection then sends
        // close_notify. The client's pending read is cancelled, not failed.
        upstreamEnded_ = true;
        client_.lowestLayer().cancel(ignored);
      }
      co_return;
    }
  }
}

asio::awaitable<void> WebSocketTunnel::watchIdle() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto deadline = lastActivity_ + idleTimeout_;
    if (Clock::now() >= deadline) {
      result_.idleTimedOut = true;
      closeBoth();  // ends both copies whether or not their reads honour cancellation
      co_return;
    }
    timer.expires_at(deadline);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // cancelled: both copies ended
  }
}

void WebSocketTunnel::closeBoth() {
  // Shut down, not closed: the sockets' owners close them, and may still read the other
  // coroutine's aborted operation.
  boost::system::error_code ec;
  client_.lowestLayer().cancel(ec);
  client_.lowestLayer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  upstream_.socket().cancel(ec);
  upstream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace portico::core
