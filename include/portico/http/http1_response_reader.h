// Reads HTTP/1.1 responses from one upstream connection with Beast's response_parser fed
// from our flat buffer; bodies come out piece by piece. Owned by its UpstreamConnection,
// so bytes an upstream sent early survive until the next response is read.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "portico/http/response_head.h"

namespace portico::http {

class Http1ResponseReader {
 public:
  struct HeadResult {
    boost::system::error_code ec;  // I/O error (cancelled by a deadline, reset, eof)
    bool malformed = false;        // the upstream sent something that is not HTTP
    bool noBytes = false;          // failed before the upstream sent a single byte
    std::string detail;
  };
  struct BodyResult {
    std::size_t bytes = 0;
    bool done = false;
    bool failed = false;
    std::string detail;
  };

  explicit Http1ResponseReader(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}

  // Reads the next final (non-1xx) response head. `headRequest`: the body is skipped.
  boost::asio::awaitable<HeadResult> readHead(ResponseHead& head, bool headRequest);
  boost::asio::awaitable<BodyResult> readBody(char* out, std::size_t capacity);
  bool bodyComplete() const { return !parser_ || parser_->is_done(); }
  // Bytes arrived that no request asked for yet (the connection cannot be reused).
  bool hasBufferedBytes() const { return buffer_.size() > 0; }
  // Hands over (and forgets) the bytes read past a 101 head: the upstream's first tunnel bytes.
  std::string takeBuffered();

  // Parses a complete head from `bytes` without any socket (codec unit tests).
  static HeadResult parseHead(std::string_view bytes, ResponseHead& head);

 private:
  static HeadResult fillHead(
      const boost::beast::http::response_parser<boost::beast::http::buffer_body>& parser,
      ResponseHead& head);

  boost::asio::ip::tcp::socket& socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser_;
};

}  // namespace portico::http
