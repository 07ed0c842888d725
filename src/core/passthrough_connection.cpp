// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/passthrough_connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "portico/core/worker.h"
#include "portico/http/io_deadline.h"
#include "portico/route/listener_builder.h"
#include "portico/tls/client_hello_inspector.h"

namespace portico::core {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::size_t kPiece = 16 * 1024;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Copies `from` to `to` until `from` ends; then half-closes `to` so the peer sees the end
// too. On an error both sockets are closed, which ends the other direction as well.
asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
  auto buffer = std::make_unique_for_overwrite<char[]>(kPiece);
  boost::system::error_code ignored;
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buffer.get(), kPiece), kAwait);
    if (n > 0) {
      auto [wec, w] = co_await asio::async_write(to, asio::buffer(buffer.get(), n), kAwait);
      if (wec) ec = wec;
    }
    if (ec == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    if (ec) {
      from.close(ignored);
      to.close(ignored);
      co_return;
    }
  }
}

const route::SniRoute* findRoute(const route::Listener& listener, std::string_view sni) {
  for (const route::SniRoute& route : listener.sniRoutes) {
    for (const std::string& host : route.sniHosts) {
      if (route::ListenerBuilder::hostSubsetOf(sni, host)) return &route;
    }
  }
  return nullptr;
}

}  // namespace

PassthroughConnection::PassthroughConnection(Worker& worker, tcp::socket socket, uint16_t port)
    : worker_(worker),
      downstream_(std::move(socket)),
      upstream_(downstream_.get_executor()),
      port_(port) {}

asio::awaitable<bool> PassthroughConnection::readClientHello(std::string& sni) {
  // One inspector per worker thread: it holds an SSL_CTX and is not thread-safe.
  thread_local tls::ClientHelloInspector inspector;
  http::IoDeadline deadline(downstream_.get_executor());
  deadline.arm(downstream_, worker_.options().codecLimits.headerTimeout);
  for (;;) {
    std::size_t used = hello_.size();
    hello_.resize(used + kPiece);
    auto [ec, n] =
        co_await downstream_.async_read_some(asio::buffer(hello_.data() + used, kPiece), kAwait);
    hello_.resize(used + n);
    if (ec) co_return false;
    auto result = inspector.inspect(hello_);
    if (result.status == tls::ClientHelloInspector::Status::kFound) {
      sni = std::move(result.sni);
      co_return true;
    }
    if (result.status == tls::ClientHelloInspector::Status::kNotTls ||
        hello_.size() > tls::ClientHelloInspector::kMaxClientHello) {
      spdlog::debug("passthrough: port {}: not a TLS ClientHello; closed", port_);
      co_return false;
    }
  }
}

asio::awaitable<bool> PassthroughConnection::connectUpstream(const std::string& sni) {
  route::SnapshotPtr snapshot = worker_.store().current();
  const route::Listener* listener = snapshot->listener(port_);
  const route::SniRoute* route =
      listener != nullptr && !sni.empty() ? findRoute(*listener, sni) : nullptr;
  if (route == nullptr) {
    spdlog::debug("passthrough: port {}: no tls route for SNI '{}'; closed", port_, sni);
    co_return false;
  }
  uint32_t pick = static_cast<uint32_t>(worker_.rng()()) % route->totalWeight;
  const route::SniRoute::Destination* chosen = &route->destinations.back();
  for (const auto& d : route->destinations) {
    if (pick < d.weight) {
      chosen = &d;
      break;
    }
    pick -= d.weight;
  }
  const upstream::ClusterConfig* config = snapshot->cluster(chosen->clusterName);
  if (config == nullptr) {
    spdlog::debug("passthrough: SNI '{}': no cluster {}; closed", sni, chosen->clusterName);
    co_return false;
  }
  std::shared_ptr<upstream::Cluster> cluster = worker_.clusters().get(*config);
  co_await cluster->ensureHosts();
  std::shared_ptr<upstream::Host> host = cluster->chooseHost({}, worker_.rng());
  if (!host) {
    spdlog::debug("passthrough: SNI '{}': no healthy host in {}; closed", sni, config->name);
    co_return false;
  }
  http::IoDeadline deadline(upstream_.get_executor());
  deadline.arm(upstream_, config->connectTimeout);
  auto [ec] = co_await upstream_.async_connect(host->endpoint, kAwait);
  deadline.disarm();
  if (ec) {
    spdlog::debug("passthrough: SNI '{}': connect to {}: {}", sni, host->address, ec.message());
    co_return false;
  }
  boost::system::error_code ignored;
  upstream_.set_option(tcp::no_delay(true), ignored);
  co_return true;
}

asio::awaitable<void> PassthroughConnection::run() {
  boost::system::error_code ignored;
  downstream_.set_option(tcp::no_delay(true), ignored);
  std::string sni;
  if (co_await readClientHello(sni) && co_await connectUpstream(sni)) {
    auto [ec, n] = co_await asio::async_write(upstream_, asio::buffer(hello_), kAwait);
    hello_ = std::string();
    if (!ec) co_await (pump(downstream_, upstream_) && pump(upstream_, downstream_));
  }
  downstream_.close(ignored);
  upstream_.close(ignored);
}

}  // namespace portico::core
