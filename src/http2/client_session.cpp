#include "portico/http2/client_session.h"

#include <nghttp2/nghttp2.h>

#include "portico/http2/nv_list.h"

#include <cstdint>

namespace portico::http2 {

namespace {

using Handler = ClientSession::Handler;

Handler& handlerOf(void* userData) { return *static_cast<Handler*>(userData); }

std::string_view view(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Where a stream is in its response, kept as nghttp2's stream user data. nghttp2 files a
// 1xx interim head as the "response" and the final head after it as plain "headers", like
// trailers, so the category alone cannot tell them apart.
enum class Phase : intptr_t { kAwaitingHead = 0, kInterimHead = 1, kHeadDone = 2 };

Phase phaseOf(nghttp2_session* session, int32_t id) {
  return static_cast<Phase>(
      reinterpret_cast<intptr_t>(nghttp2_session_get_stream_user_data(session, id)));
}

void setPhase(nghttp2_session* session, int32_t id, Phase phase) {
  nghttp2_session_set_stream_user_data(session, id,
                                       reinterpret_cast<void*>(static_cast<intptr_t>(phase)));
}

int onHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
             std::size_t nameLen, const uint8_t* value, std::size_t valueLen, uint8_t,
             void* userData) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  const int32_t id = frame->hd.stream_id;
  std::string_view n = view(name, nameLen);
  switch (phaseOf(session, id)) {
    case Phase::kAwaitingHead:
      // A 1xx interim head (100, 103) is never forwarded; the final head follows it.
      if (n == ":status" && valueLen > 0 && value[0] == '1') {
        setPhase(session, id, Phase::kInterimHead);
        return 0;
      }
      handlerOf(userData).onResponseField(id, n, view(value, valueLen), false);
      break;
    case Phase::kInterimHead:
      break;
    case Phase::kHeadDone:
      handlerOf(userData).onResponseField(id, n, view(value, valueLen), true);
      break;
  }
  return 0;
}

int onFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* userData) {
  Handler& handler = handlerOf(userData);
  const bool endStream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  const int32_t id = frame->hd.stream_id;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      switch (phaseOf(session, id)) {
        case Phase::kInterimHead:
          setPhase(session, id, Phase::kAwaitingHead);
          break;
        case Phase::kAwaitingHead:
          setPhase(session, id, Phase::kHeadDone);
          handler.onResponseHead(id, endStream);
          if (endStream) handler.onResponseEnd(id);
          break;
        case Phase::kHeadDone:  // trailers
          if (endStream) handler.onResponseEnd(id);
          break;
      }
      break;
    case NGHTTP2_DATA:
      if (endStream) handler.onResponseEnd(frame->hd.stream_id);
      break;
    case NGHTTP2_GOAWAY:
      handler.onGoaway(frame->goaway.last_stream_id);
      break;
    default:
      break;
  }
  return 0;
}

int onDataChunk(nghttp2_session*, uint8_t, int32_t streamId, const uint8_t* data, std::size_t len,
                void* userData) {
  handlerOf(userData).onResponseData(streamId, view(data, len));
  return 0;
}

int onStreamClose(nghttp2_session*, int32_t streamId, uint32_t errorCode, void* userData) {
  handlerOf(userData).onStreamClose(streamId, errorCode);
  return 0;
}

ssize_t readBody(nghttp2_session*, int32_t streamId, uint8_t* buf, std::size_t length,
                 uint32_t* dataFlags, nghttp2_data_source*, void* userData) {
  bool eof = false;
  auto n = handlerOf(userData).readRequestBody(streamId, buf, length, eof);
  if (!n) return NGHTTP2_ERR_DEFERRED;
  if (eof) *dataFlags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(*n);
}

}  // namespace

ClientSession::ClientSession(Handler& handler, const Http2Settings& settings) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose);
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  // The window reopens only as the client takes the response (consume()).
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_session_client_new2(&session_, callbacks, &handler, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);

  submitSettings(NGHTTP2_SETTINGS_ENABLE_PUSH, 0, settings);
}

int32_t ClientSession::submitRequest(const std::vector<HeaderField>& headers, bool withBody) {
  auto nva = toNv(headers);
  nghttp2_data_provider provider{};
  provider.read_callback = readBody;
  return nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                withBody ? &provider : nullptr, nullptr);
}

void ClientSession::shutdownGracefully() {
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
}

uint32_t ClientSession::peerMaxConcurrentStreams() const {
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

}  // namespace portico::http2
