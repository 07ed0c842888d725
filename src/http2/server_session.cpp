#include "portico/http2/server_session.h"

#include <nghttp2/nghttp2.h>

#include "portico/http2/nv_list.h"

namespace portico::http2 {

namespace {

using Handler = ServerSession::Handler;

Handler& handlerOf(void* userData) { return *static_cast<Handler*>(userData); }

std::string_view view(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* userData) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    handlerOf(userData).onStreamBegin(frame->hd.stream_id);
  }
  return 0;
}

int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, std::size_t nameLen,
             const uint8_t* value, std::size_t valueLen, uint8_t, void* userData) {
  // Trailers (HCAT_HEADERS) are not forwarded to HTTP/1.1 upstreams.
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    handlerOf(userData).onHeader(frame->hd.stream_id, view(name, nameLen), view(value, valueLen));
  }
  return 0;
}

int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* userData) {
  Handler& handler = handlerOf(userData);
  const bool endStream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        handler.onRequestHead(frame->hd.stream_id, endStream);
      } else if (endStream) {
        handler.onRequestEnd(frame->hd.stream_id);
      }
      break;
    case NGHTTP2_DATA:
      if (endStream) handler.onRequestEnd(frame->hd.stream_id);
      break;
    case NGHTTP2_RST_STREAM:
      handler.onResetByPeer(frame->hd.stream_id);
      break;
    default:
      break;
  }
  return 0;
}

int onDataChunk(nghttp2_session*, uint8_t, int32_t streamId, const uint8_t* data, std::size_t len,
                void* userData) {
  handlerOf(userData).onData(streamId, view(data, len));
  return 0;
}

int onStreamClose(nghttp2_session*, int32_t streamId, uint32_t errorCode, void* userData) {
  handlerOf(userData).onStreamClose(streamId, errorCode);
  return 0;
}

ssize_t readBody(nghttp2_session*, int32_t streamId, uint8_t* buf, std::size_t length,
                 uint32_t* dataFlags, nghttp2_data_source*, void* userData) {
  bool eof = false;
  bool trailers = false;
  auto n = handlerOf(userData).readResponseBody(streamId, buf, length, eof, trailers);
  if (!n) return NGHTTP2_ERR_DEFERRED;
  if (eof) *dataFlags |= NGHTTP2_DATA_FLAG_EOF;
  if (trailers) *dataFlags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
  return static_cast<ssize_t>(*n);
}

}  // namespace

ServerSession::ServerSession(Handler& handler, const Http2Settings& settings) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose);
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  // The window reopens only as the upstream takes the body (consume()): flow control
  // reaches from the upstream socket back to the client.
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_session_server_new2(&session_, callbacks, &handler, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);

  submitSettings(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams, settings);
}

bool ServerSession::submitResponse(int32_t id, const std::vector<HeaderField>& headers,
                                   bool withBody) {
  auto nva = toNv(headers);
  nghttp2_data_provider provider{};
  provider.read_callback = readBody;
  return nghttp2_submit_response(session_, id, nva.data(), nva.size(),
                                 withBody ? &provider : nullptr) == 0;
}

bool ServerSession::submitTrailers(int32_t id, const std::vector<HeaderField>& trailers) {
  auto nva = toNv(trailers);
  return nghttp2_submit_trailer(session_, id, nva.data(), nva.size()) == 0;
}

bool ServerSession::submitInterim(int32_t id, const std::vector<HeaderField>& headers) {
  auto nva = toNv(headers);
  return nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, id, nullptr, nva.data(), nva.size(),
                                nullptr) >= 0;
}

void ServerSession::terminate(ErrorCode code) {
  nghttp2_session_terminate_session(session_, static_cast<uint32_t>(code));
}

void ServerSession::shutdownGracefully() {
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
}

}  // namespace portico::http2
