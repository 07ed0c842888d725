// The byte stream under one downstream connection: a plain TCP socket, or TLS over it.
// The HTTP/1.1 reader, the connection and the upstream exchange (and later the HTTP/2
// codec) read and write through this type, so one codec serves both. It models Asio's
// AsyncReadStream/AsyncWriteStream: asio::async_write and Beast's free functions accept it.
//
// Dispatch is one predictable branch per read or write, not a virtual call or a variant
// visit: the TLS stream lives behind a pointer that is null on plain connections, whose
// path is then the socket call it was before. Both branches return the same type for the
// same completion token (awaitable<tuple<...>> for as_tuple(use_awaitable), void for a
// callback, as composed operations pass), which is what lets one `auto` function carry both.
//
// A TLS transport pins its port's SniSelector: the SSL object's callbacks and
// selectedServer() point into it, so it must outlive the SSL object (members are declared
// in that order). Owned by its DownstreamConnection; single-threaded (its worker).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <memory>
#include <string_view>
#include <utility>

namespace portico::tls {
class SniSelector;       // tls/sni_selector.h
class ServerTlsContext;  // tls/server_tls_context.h
}  // namespace portico::tls

namespace portico::core {

class DownstreamTransport {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using TlsStream = boost::asio::ssl::stream<Socket>;
  using executor_type = Socket::executor_type;
  using lowest_layer_type = Socket;

  // Plain TCP.
  explicit DownstreamTransport(Socket socket);
  // TLS terminated with `selector`'s contexts; call handshake() before reading.
  DownstreamTransport(Socket socket, std::shared_ptr<const tls::SniSelector> selector);
  ~DownstreamTransport();
  DownstreamTransport(DownstreamTransport&&) noexcept;
  DownstreamTransport& operator=(DownstreamTransport&&) = delete;
  DownstreamTransport(const DownstreamTransport&) = delete;
  DownstreamTransport& operator=(const DownstreamTransport&) = delete;

  executor_type get_executor() { return lowestLayer().get_executor(); }
  // The TCP socket: options, endpoints, cancel() (what IoDeadline and drain act on).
  Socket& lowestLayer() { return tls_ ? tls_->next_layer() : socket_; }
  Socket& lowest_layer() { return lowestLayer(); }
  bool isTls() const { return tls_ != nullptr; }

  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <typename ConstBufferSequence, typename Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }

  // TLS only: the server-side handshake, cancelled after `timeout`. Counts it in the
  // port's TlsStats and logs a failure at debug. On error the connection must be closed.
  boost::asio::awaitable<boost::system::error_code> handshake(
      std::chrono::steady_clock::duration timeout);
  // TLS only: send close_notify (bounded by `timeout`), so the client may resume the
  // session. Plain: nothing.
  boost::asio::awaitable<void> shutdown(std::chrono::steady_clock::duration timeout);
  // Shut the TCP socket down both ways and close it.
  void close();

  // What the handshake chose (TLS after handshake(); otherwise null / "").
  const tls::ServerTlsContext* tlsServer() const;
  std::string_view alpn() const;
  std::string_view sni() const;

 private:
  Socket socket_;  // plain connections; moved into tls_ otherwise
  std::shared_ptr<const tls::SniSelector> selector_;
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace portico::core
