#include "portico/http2/session.h"

#include <nghttp2/nghttp2.h>

namespace portico::http2 {

Session::~Session() { nghttp2_session_del(session_); }

void Session::submitSettings(int32_t ownId, uint32_t ownValue, const Http2Settings& settings) {
  const nghttp2_settings_entry entries[] = {
      {ownId, ownValue},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialStreamWindow},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(settings.maxHeaderListBytes)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries, std::size(entries));
  if (settings.connectionWindow > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<int32_t>(settings.connectionWindow));
  }
}

bool Session::receive(const uint8_t* data, std::size_t size) {
  return nghttp2_session_mem_recv(session_, data, size) >= 0;
}

bool Session::send(std::string& out, std::size_t limit) {
  while (out.size() < limit) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return false;
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  return true;
}

bool Session::wantRead() const { return nghttp2_session_want_read(session_) != 0; }
bool Session::wantWrite() const { return nghttp2_session_want_write(session_) != 0; }

void Session::resumeData(int32_t id) { nghttp2_session_resume_data(session_, id); }

void Session::consume(int32_t id, std::size_t size) { nghttp2_session_consume(session_, id, size); }

void Session::resetStream(int32_t id, ErrorCode code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, static_cast<uint32_t>(code));
}

}  // namespace portico::http2
