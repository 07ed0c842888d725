// Reads HTTP/1.1 requests from one downstream connection: Beast's request_parser fed from
// our own flat buffer, so that limits (414/431), strictness checks Beast leaves out
// (obs-fold, missing Host) and pipelined bytes stay under our control. Bodies are handed
// out piece by piece, never buffered whole. Owned by the DownstreamConnection.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "portico/core/downstream_transport.h"
#include "portico/http/codec_limits.h"
#include "portico/http/io_deadline.h"
#include "portico/http/request_head.h"

namespace portico::http {

class Http1RequestReader {
 public:
  enum class Status {
    kOk,
    kClosed,           // the client closed (or stayed idle) before sending a byte
    kBadRequest,       // 400
    kUriTooLong,       // 414
    kHeadersTooLarge,  // 431
    kTimeout,          // 408: the head did not arrive within the header timeout
    kIoError,          // reset mid-head: nothing to answer
  };
  struct HeadResult {
    Status status = Status::kOk;
    std::string detail;  // why, for the log
  };
  struct BodyResult {
    std::size_t bytes = 0;
    bool done = false;       // the body is complete (bytes may be > 0 as well)
    bool failed = false;     // malformed framing or the connection broke
    bool malformed = false;  // failed because of bad framing (400), not I/O
    std::string detail;
  };

  Http1RequestReader(core::DownstreamTransport& transport, const CodecLimits& limits);

  // Reads and validates the next request head. Bytes after it stay buffered.
  boost::asio::awaitable<HeadResult> readHead(RequestHead& head);
  // Reads up to `capacity` decoded body bytes into `out`.
  boost::asio::awaitable<BodyResult> readBody(char* out, std::size_t capacity);
  // The current request's body has been read to its end (true when it had none).
  bool bodyComplete() const { return !parser_ || parser_->is_done(); }
  // Decoded body bytes can be produced without reading the socket.
  bool hasBufferedBytes() const { return buffer_.size() > 0; }
  // Hands over (and forgets) the bytes read past the current head: the start of a
  // WebSocket tunnel's client-to-upstream stream.
  std::string takeBuffered();
  // Parses a complete head from `bytes` without any socket (codec unit tests).
  static HeadResult parseHead(std::string_view bytes, const CodecLimits& limits, RequestHead& head);

 private:
  // Checks limits and framing on the buffered bytes; returns the head length (0: need more).
  static std::size_t scanHead(std::string_view data, const CodecLimits& limits, HeadResult& result);
  static HeadResult fillHead(
      const boost::beast::http::request_parser<boost::beast::http::buffer_body>& parser,
      RequestHead& head);

  core::DownstreamTransport& transport_;
  const CodecLimits& limits_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> parser_;
  IoDeadline deadline_;
};

}  // namespace portico::http
