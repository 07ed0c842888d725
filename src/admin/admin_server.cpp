#include "portico/admin/admin_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace portico::admin {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

boost::system::error_code AdminServer::listen(const asio::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return ec;
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return ec;
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

void AdminServer::start() {
  asio::co_spawn(acceptor_.get_executor(), acceptLoop(), asio::detached);
}

void AdminServer::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> AdminServer::acceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (!acceptor_.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> AdminServer::serve(asio::ip::tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    bhttp::request<bhttp::string_body> request;
    auto [ec, n] =
        co_await bhttp::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    bhttp::response<bhttp::string_body> response;
    response.version(request.version());
    response.set(bhttp::field::content_type, "text/plain");
    std::string_view target(request.target().data(), request.target().size());
    target = target.substr(0, target.find('?'));
    if (target == "/ready") {
      State s = state_.load();
      response.result(s == State::kLive ? bhttp::status::ok : bhttp::status::service_unavailable);
      response.body() = s == State::kLive
                            ? "LIVE\n"
                            : (s == State::kDraining ? "DRAINING\n" : "PRE_INITIALIZING\n");
    } else {
      response.result(bhttp::status::not_found);
      response.body() = "invalid path. admin commands are: /ready\n";
    }
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [wec, wn] =
        co_await bhttp::async_write(socket, response, asio::as_tuple(asio::use_awaitable));
    if (wec || !request.keep_alive()) co_return;
  }
}

}  // namespace portico::admin
