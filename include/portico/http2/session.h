// What both ends of an HTTP/2 connection do with nghttp2 in the same way: bytes in, frames
// out, manual flow control, resets, and our SETTINGS. http2::ServerSession (clients of the
// gateway) and http2::ClientSession (upstreams) add their side's submissions and callbacks.
// Knows nothing of sockets: the owner does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "portico/http2/http2_settings.h"

struct nghttp2_session;

namespace portico::http2 {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// RFC 9113 7 error codes we send.
enum class ErrorCode : uint32_t {
  kNoError = 0x0,
  kInternalError = 0x2,
  kRefusedStream = 0x7,
  kCancel = 0x8,
  kEnhanceYourCalm = 0xb,
};

class Session {
 public:
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Feeds received bytes. False: the connection is broken beyond repair; send() may still
  // have a GOAWAY to flush.
  bool receive(const uint8_t* data, std::size_t size);
  // Appends frames to send to `out`, up to about `limit` bytes. False: fatal error.
  bool send(std::string& out, std::size_t limit);
  // Both false: the session is over (GOAWAY exchanged, no streams left).
  bool wantRead() const;
  bool wantWrite() const;
  // A deferred body has more bytes.
  void resumeData(int32_t id);
  // `size` received DATA bytes of `id` were taken: reopen the windows. Counts against the
  // connection window even when the stream is already closed.
  void consume(int32_t id, std::size_t size);
  void resetStream(int32_t id, ErrorCode code);

 protected:
  Session() = default;
  ~Session();
  // Our SETTINGS: `ownId`/`ownValue` (the side's own entry), the stream window and the
  // header-list limit; then the connection window beyond the default 64 KiB.
  void submitSettings(int32_t ownId, uint32_t ownValue, const Http2Settings& settings);

  nghttp2_session* session_ = nullptr;
};

}  // namespace portico::http2
