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

void AdminServer::addHandler(std::string path, std::string help, Handler handler,
                             bool mutating) {
  handlers_[std::move(path)] = Entry{std::move(help), std::move(handler), mutating};
}

AdminResponse AdminServer::dispatch(const AdminRequest& request) const {
  AdminResponse response;
  if (request.path == "/") return indexPage();
  if (request.path == "/ready" || request.path == "/healthz/ready") {
    State s = state_.load();
    response.status = s == State::kLive ? 200 : 503;
    response.body =
        s == State::kLive ? "LIVE\n" : (s == State::kDraining ? "DRAINING\n" : "PRE_INITIALIZING\n");
    return response;
  }
  auto it = handlers_.find(request.path);
  if (it == handlers_.end()) {
    response.status = 404;
    response.body = "invalid path. admin commands are:\n  /ready: 200 LIVE when serving, 503 otherwise\n";
    for (const auto& [path, entry] : handlers_) {
      response.body.append("  ").append(path).append(": ").append(entry.help).append("\n");
    }
    return response;
  }
  if (it->second.mutating && request.method != "POST") {
    response.status = 405;
    response.body = "This command requires POST.\n";
    return response;
  }
  return it->second.handler(request);
}

AdminResponse AdminServer::indexPage() const {
  // Mutating pages are forms that POST, as Envoy's admin home page has them.
  AdminResponse response;
  response.contentType = "text/html; charset=UTF-8";
  std::string& b = response.body;
  b = "<!DOCTYPE html>\n<html><head><title>Portico admin</title></head><body>\n"
      "<h1>Portico admin</h1>\n<table>\n"
      "<tr><td><a href=\"/ready\">/ready</a></td><td>200 LIVE when serving, 503 otherwise"
      "</td></tr>\n";
  auto escape = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out.push_back(c);
      }
    }
    return out;
  };
  for (const auto& [path, entry] : handlers_) {
    std::string p = escape(path);
    if (entry.mutating) {
      b += "<tr><td><form action=\"" + p + "\" method=\"post\"><button type=\"submit\">" + p +
           "</button></form></td>";
    } else {
      b += "<tr><td><a href=\"" + p + "\">" + p + "</a></td>";
    }
    b += "<td>" + escape(entry.help) + "</td></tr>\n";
  }
  b += "</table>\n</body></html>\n";
  return response;
}

asio::awaitable<void> AdminServer::serve(asio::ip::tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(1024 * 1024);
    auto [ec, n] =
        co_await bhttp::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const auto& request = parser.get();
    std::string_view target(request.target().data(), request.target().size());
    AdminRequest adminRequest;
    adminRequest.method = std::string_view(request.method_string().data(),
                                           request.method_string().size());
    auto q = target.find('?');
    adminRequest.path = target.substr(0, q);
    if (q != std::string_view::npos) adminRequest.query = target.substr(q + 1);
    adminRequest.body = request.body();
    AdminResponse result = dispatch(adminRequest);

    bhttp::response<bhttp::string_body> response;
    response.version(request.version());
    response.result(result.status);
    response.set(bhttp::field::content_type, result.contentType);
    response.body() = std::move(result.body);
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [wec, wn] =
        co_await bhttp::async_write(socket, response, asio::as_tuple(asio::use_awaitable));
    if (wec || !request.keep_alive()) co_return;
  }
}

}  // namespace portico::admin
