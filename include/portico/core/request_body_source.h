// Where a request body comes from: the HTTP/1.1 reader (Http1Downstream) or one HTTP/2
// stream's DATA frames (Http2Stream). Pieces are handed out as they arrive, never whole.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>

namespace portico::core {

struct BodyPiece {
  std::size_t bytes = 0;
  bool done = false;       // the body is complete (bytes may be > 0 as well)
  bool failed = false;     // malformed framing or the client went away
  bool malformed = false;  // failed because of bad framing (400), not I/O
};

class RequestBodySource {
 public:
  virtual ~RequestBodySource() = default;

  // Up to `capacity` body bytes into `out`; suspends until some arrive or the body ends.
  virtual boost::asio::awaitable<BodyPiece> readBody(char* out, std::size_t capacity) = 0;
  // The body has been read to its end (true when there was none).
  virtual bool bodyComplete() const = 0;
  // Body bytes are already here (the client did not wait for "100 Continue").
  virtual bool hasBufferedBytes() const = 0;
  // A readBody() waiting now, and any later one, returns `failed`: the exchange is done
  // with the body (the upstream answered or failed while the client was still sending).
  // Only sources of full-duplex sinks need it (DownstreamSink::fullDuplex()).
  virtual void cancelRead() {}
};

}  // namespace portico::core
