// The client side of one HTTP/2 connection to an upstream, as nghttp2 sees it: requests
// submitted, bytes in, frames decoded to Handler calls, bytes out. Knows nothing of sockets;
// upstream::Http2UpstreamConnection owns it and does the I/O. Flow control is manual in
// the receive direction: response DATA counts against the window until consume() says the
// bytes were taken, so a slow client slows the upstream instead of filling our memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http2/session.h"

namespace portico::http2 {

class ClientSession final : public Session {
 public:
  // Called from inside receive() and send(); must not call receive() or send() back.
  class Handler {
   public:
    virtual ~Handler() = default;
    // A field of the final response head (`trailer` false) or of the trailers (true).
    // 1xx interim heads are not reported.
    virtual void onResponseField(int32_t id, std::string_view name, std::string_view value,
                                 bool trailer) noexcept = 0;
    // The final head is complete; `endStream`: no body follows (e.g. a trailers-only reply).
    virtual void onResponseHead(int32_t id, bool endStream) noexcept = 0;
    virtual void onResponseData(int32_t id, std::string_view data) noexcept = 0;
    // The response ended (END_STREAM on DATA or on the trailers).
    virtual void onResponseEnd(int32_t id) noexcept = 0;
    // Last call for `id`: nghttp2 forgot the stream. `errorCode` is non-zero for a reset.
    virtual void onStreamClose(int32_t id, uint32_t errorCode) noexcept = 0;
    // The upstream sent GOAWAY: streams above `lastStreamId` were not processed.
    virtual void onGoaway(int32_t lastStreamId) noexcept = 0;
    // Request DATA: copy up to `capacity` bytes into `out`; `eof` when the body ends there.
    // nullopt: nothing yet (the stream waits until resumeData()).
    virtual std::optional<std::size_t> readRequestBody(int32_t id, uint8_t* out,
                                                       std::size_t capacity,
                                                       bool& eof) noexcept = 0;
  };

  ClientSession(Handler& handler, const Http2Settings& settings);

  // Submits a request; `withBody`: DATA follows via Handler::readRequestBody. Returns the
  // stream id, or a negative value when the session takes no new stream.
  int32_t submitRequest(const std::vector<HeaderField>& headers, bool withBody);
  // GOAWAY(NO_ERROR): no new streams; those in flight finish.
  void shutdownGracefully();
  // The peer's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until its SETTINGS arrive).
  uint32_t peerMaxConcurrentStreams() const;
};

}  // namespace portico::http2
