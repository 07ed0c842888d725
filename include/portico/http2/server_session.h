// The server side of one HTTP/2 connection as nghttp2 sees it: bytes in, frames decoded to
// Handler calls, responses submitted, bytes out. Knows nothing of sockets or streams' work;
// core::Http2Connection owns it and does the I/O. Flow control is manual: received DATA
// counts against the window until consume() says the bytes were taken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http2/session.h"

namespace portico::http2 {

class ServerSession final : public Session {
 public:
  // Called from inside receive() and send(); must not call receive() or send() back.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void onStreamBegin(int32_t id) noexcept = 0;
    virtual void onHeader(int32_t id, std::string_view name, std::string_view value) noexcept = 0;
    // The request's header block is complete; `endStream`: no body follows.
    virtual void onRequestHead(int32_t id, bool endStream) noexcept = 0;
    virtual void onData(int32_t id, std::string_view data) noexcept = 0;
    virtual void onRequestEnd(int32_t id) noexcept = 0;
    virtual void onResetByPeer(int32_t id) noexcept = 0;
    // Last call for `id`: nghttp2 forgot the stream.
    virtual void onStreamClose(int32_t id, uint32_t errorCode) noexcept = 0;
    // Response DATA: copy up to `capacity` bytes into `out`; `eof` when the body ends there.
    // `trailers`: at `eof` the handler submitted trailers (submitTrailers()), which end the
    // stream instead of the DATA frame. nullopt: nothing yet (waits until resumeData()).
    virtual std::optional<std::size_t> readResponseBody(int32_t id, uint8_t* out,
                                                        std::size_t capacity, bool& eof,
                                                        bool& trailers) noexcept = 0;
  };

  ServerSession(Handler& handler, const Http2Settings& settings);

  // Submits a response head; `withBody`: DATA follows via Handler::readResponseBody.
  bool submitResponse(int32_t id, const std::vector<HeaderField>& headers, bool withBody);
  // A 1xx interim head (100 Continue, 103 Early Hints) before the response.
  bool submitInterim(int32_t id, const std::vector<HeaderField>& headers);
  // Trailers ending the response; only from inside readResponseBody() at its eof.
  bool submitTrailers(int32_t id, const std::vector<HeaderField>& trailers);
  // GOAWAY with `code` now; streams in flight are cut.
  void terminate(ErrorCode code);
  // GOAWAY(NO_ERROR) naming the last stream seen: streams in flight finish, no new ones.
  void shutdownGracefully();
};

}  // namespace portico::http2
