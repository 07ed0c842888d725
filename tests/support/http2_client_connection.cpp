#include "support/http2_client_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace portico::testing {
namespace {

constexpr size_t kMaxBuffered = 64 * 1024;

nghttp2_nv nv(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

int millisUntil(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

// A connected non-blocking TCP socket to 127.0.0.1:port, or -1.
int connectTcp(uint16_t port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t len = sizeof error;
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1 &&
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0) {
      rc = 0;
    }
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

std::unique_ptr<Http2ClientConnection> Http2ClientConnection::connect(
    uint16_t port, std::chrono::milliseconds timeout) {
  int fd = connectTcp(port, timeout);
  if (fd < 0) return nullptr;
  auto connection =
      std::unique_ptr<Http2ClientConnection>(new Http2ClientConnection(fd, nullptr, nullptr));
  connection->flush();
  if (connection->broken_) return nullptr;
  return connection;
}

std::unique_ptr<Http2ClientConnection> Http2ClientConnection::connectTls(
    uint16_t port, const Http2TlsOptions& tls, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int fd = connectTcp(port, timeout);
  if (fd < 0) return nullptr;
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL* ssl = nullptr;
  // The connection owns fd, context and ssl from here, also when it is dropped on failure.
  auto fail = [&] {
    if (ssl != nullptr) SSL_free(ssl);
    SSL_CTX_free(context);
    ::close(fd);
    return nullptr;
  };
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(context, kAlpn, sizeof kAlpn);
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!tls.caFile.empty()) {
    if (SSL_CTX_load_verify_locations(context, tls.caFile.c_str(), nullptr) != 1) return fail();
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  }
  if (!tls.certFile.empty() &&
      (SSL_CTX_use_certificate_chain_file(context, tls.certFile.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(context, tls.keyFile.c_str(), SSL_FILETYPE_PEM) != 1)) {
    return fail();
  }
  ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  if (!tls.serverName.empty()) {
    SSL_set_tlsext_host_name(ssl, tls.serverName.c_str());
    if (!tls.caFile.empty()) SSL_set1_host(ssl, tls.serverName.c_str());
  }
  for (;;) {
    int rc = SSL_connect(ssl);
    if (rc == 1) break;
    int error = SSL_get_error(ssl, rc);
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return fail();
    pollfd p{fd, static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    if (::poll(&p, 1, millisUntil(deadline)) <= 0) return fail();
  }
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &protocol, &length);
  if (std::string_view(reinterpret_cast<const char*>(protocol), length) != "h2") return fail();
  auto connection =
      std::unique_ptr<Http2ClientConnection>(new Http2ClientConnection(fd, context, ssl));
  connection->flush();
  if (connection->broken_) return nullptr;
  return connection;
}

Http2ClientConnection::Http2ClientConnection(int fd, SSL_CTX* context, SSL* ssl)
    : fd_(fd), context_(context), ssl_(ssl) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &onFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &onDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &onStreamClose);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
}

Http2ClientConnection::~Http2ClientConnection() {
  nghttp2_session_del(session_);
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (context_ != nullptr) SSL_CTX_free(context_);
  ::close(fd_);
}

int32_t Http2ClientConnection::open(const std::string& method, const std::string& scheme,
                                    const std::string& authority, const std::string& path,
                                    const Http2HeaderList& headers, bool endStream) {
  static const std::string kMethod = ":method", kScheme = ":scheme", kAuthority = ":authority",
                           kPath = ":path";
  std::vector<nghttp2_nv> nva{nv(kMethod, method), nv(kScheme, scheme), nv(kAuthority, authority),
                              nv(kPath, path)};
  for (const auto& [name, value] : headers) nva.push_back(nv(name, value));
  auto state = std::make_unique<Http2ClientStream>();
  state->sendClosed = endStream;
  nghttp2_data_provider provider{};
  provider.source.ptr = state.get();
  provider.read_callback = &readBody;
  int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                      endStream ? nullptr : &provider, nullptr);
  if (id < 0) return -1;
  state->id = id;
  streams_[id] = std::move(state);
  flush();
  return id;
}

bool Http2ClientConnection::send(int32_t id, std::string_view bytes) {
  Http2ClientStream* s = stream(id);
  if (s == nullptr || s->closed || s->sendClosed || broken_) return false;
  s->pending.append(bytes);
  if (s->deferred) {
    s->deferred = false;
    nghttp2_session_resume_data(session_, id);
  }
  flush();
  return !broken_;
}

void Http2ClientConnection::closeSend(int32_t id) {
  Http2ClientStream* s = stream(id);
  if (s == nullptr || s->sendClosed) return;
  s->sendClosed = true;
  if (s->deferred) {
    s->deferred = false;
    nghttp2_session_resume_data(session_, id);
  }
  flush();
}

void Http2ClientConnection::reset(int32_t id, uint32_t code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, code);
  flush();
}

Http2ClientStream* Http2ClientConnection::stream(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

bool Http2ClientConnection::pumpUntil(const std::function<bool()>& done,
                                      std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (done()) return true;
    if (broken_ || std::chrono::steady_clock::now() >= deadline) return done();
    pumpOnce(deadline);
  }
}

ssize_t Http2ClientConnection::ioSend(const char* data, size_t length) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(length, 1 << 30)));
    if (n > 0) return n;
    int error = SSL_get_error(ssl_, n);
    return error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ ? 0 : -1;
  }
  for (;;) {
    ssize_t n = ::send(fd_, data, length, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

ssize_t Http2ClientConnection::ioRecv(uint8_t* data, size_t length) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    int n = SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(length, 1 << 30)));
    if (n > 0) return n;
    int error = SSL_get_error(ssl_, n);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? 0 : -1;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, data, length, 0);
    if (n > 0) return n;
    if (n == 0) return -1;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

// Writes until the socket would block or nghttp2 has nothing more to say.
void Http2ClientConnection::flush() {
  while (!broken_) {
    while (out_.size() < kMaxBuffered) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        broken_ = true;
        return;
      }
      if (n == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (out_.empty()) {
      if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
        broken_ = true;
      }
      return;
    }
    ssize_t n = ioSend(out_.data(), out_.size());
    if (n <= 0) {
      if (n < 0) broken_ = true;
      return;
    }
    out_.erase(0, static_cast<size_t>(n));
  }
}

void Http2ClientConnection::pumpOnce(std::chrono::steady_clock::time_point deadline) {
  flush();
  if (broken_) return;
  pollfd p{fd_, static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0};
  if (::poll(&p, 1, millisUntil(deadline)) <= 0) return;
  if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
    std::vector<uint8_t> buffer(kMaxBuffered);
    for (;;) {
      ssize_t n = ioRecv(buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0 || nghttp2_session_mem_recv(session_, buffer.data(), static_cast<size_t>(n)) < 0) {
        broken_ = true;
        return;
      }
    }
  }
  flush();  // WINDOW_UPDATE, SETTINGS ACK, PING replies
}

int Http2ClientConnection::onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame,
                                          void* user) {
  auto& self = *static_cast<Http2ClientConnection*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  if (Http2ClientStream* s = self.stream(frame->hd.stream_id)) {
    s->receivingTrailers = s->headBlockDone;
  }
  return 0;
}

int Http2ClientConnection::onHeader(nghttp2_session*, const nghttp2_frame* frame,
                                    const uint8_t* name, size_t nameLength, const uint8_t* value,
                                    size_t valueLength, uint8_t, void* user) {
  auto& self = *static_cast<Http2ClientConnection*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Http2ClientStream* s = self.stream(frame->hd.stream_id);
  if (s == nullptr) return 0;
  std::string n(reinterpret_cast<const char*>(name), nameLength);
  std::string v(reinterpret_cast<const char*>(value), valueLength);
  if (s->receivingTrailers) {
    s->trailers[n] = v;
  } else if (n == ":status") {
    std::from_chars(v.data(), v.data() + v.size(), s->status);
  } else if (!n.starts_with(":")) {
    s->headers[n] = v;
  }
  return 0;
}

int Http2ClientConnection::onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto& self = *static_cast<Http2ClientConnection*>(user);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    self.goaway_ = true;
    self.goawayCode_ = frame->goaway.error_code;
    return 0;
  }
  Http2ClientStream* s = self.stream(frame->hd.stream_id);
  if (s == nullptr) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && !s->receivingTrailers) {
    if (s->status >= 200) {
      s->headBlockDone = true;
    } else {  // an interim 1xx head: the real one follows
      s->status = 0;
      s->headers.clear();
    }
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
    s->remoteEnded = true;
  }
  return 0;
}

int Http2ClientConnection::onDataChunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data,
                                       size_t length, void* user) {
  auto& self = *static_cast<Http2ClientConnection*>(user);
  if (Http2ClientStream* s = self.stream(id)) {
    s->body.append(reinterpret_cast<const char*>(data), length);
    s->bodyBytes += length;
  }
  return 0;
}

int Http2ClientConnection::onStreamClose(nghttp2_session*, int32_t id, uint32_t code, void* user) {
  auto& self = *static_cast<Http2ClientConnection*>(user);
  if (Http2ClientStream* s = self.stream(id)) {
    s->closed = true;
    s->resetCode = code;
  }
  return 0;
}

ssize_t Http2ClientConnection::readBody(nghttp2_session*, int32_t, uint8_t* buffer, size_t length,
                                        uint32_t* flags, nghttp2_data_source* source, void*) {
  auto& s = *static_cast<Http2ClientStream*>(source->ptr);
  size_t n = std::min(length, s.pending.size() - s.pendingOffset);
  std::memcpy(buffer, s.pending.data() + s.pendingOffset, n);
  s.pendingOffset += n;
  if (s.pendingOffset == s.pending.size()) {
    s.pending.clear();
    s.pendingOffset = 0;
  }
  if (s.pending.empty() && s.sendClosed) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  } else if (n == 0) {
    s.deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

}  // namespace portico::testing
