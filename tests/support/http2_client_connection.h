// A blocking HTTP/2 client connection for tests: prior-knowledge h2c, or h2 over TLS (ALPN),
// to 127.0.0.1:port on an nghttp2 client session, driven by poll() with deadlines on the calling
// thread, so a test can interleave sending and reading on one stream (gRPC bidi) or run several
// streams on one connection. Request bodies go out through a data provider that defers until
// the test queues bytes, so flow control is honoured both ways. Used by GrpcCall and
// http2Fetch(); tests may use it directly for multiplexing.
#pragma once

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::testing {

using Http2HeaderList = std::vector<std::pair<std::string, std::string>>;

// What one client stream has seen so far. Owned by its connection; valid while it lives.
struct Http2ClientStream {
  int32_t id = 0;
  int status = 0;                               // final :status; 0 until it arrives
  std::map<std::string, std::string> headers;   // final response head, no pseudo-headers
  std::map<std::string, std::string> trailers;  // a HEADERS block after the response head
  std::string body;                             // DATA received and not yet taken by the owner
  uint64_t bodyBytes = 0;                       // all DATA received
  bool remoteEnded = false;                     // END_STREAM received
  bool closed = false;                          // the stream is closed (both ends, or reset)
  uint32_t resetCode = 0;                       // RST_STREAM code when closed by a reset
  // Request body state, used by the data provider.
  std::string pending;  // pending[pendingOffset..] is still to go out
  size_t pendingOffset = 0;
  bool sendClosed = false;
  bool deferred = false;
  bool headBlockDone = false;      // the final response head has been fully received
  bool receivingTrailers = false;  // the header block now arriving is the trailers
};

struct Http2TlsOptions {
  std::string serverName;  // SNI, and the name the certificate must carry when verified
  std::string caFile;      // PEM; empty: the server certificate is not verified
  std::string certFile;    // client certificate chain (PEM) for mutual TLS, optional
  std::string keyFile;
};

class Http2ClientConnection {
 public:
  // Connects to 127.0.0.1:port and sends the preface and SETTINGS (push disabled).
  // nullptr when the connection is refused or not established within `timeout`.
  static std::unique_ptr<Http2ClientConnection> connect(
      uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // The same over TLS, offering ALPN "h2" only; nullptr when the handshake fails or the
  // server does not select h2.
  static std::unique_ptr<Http2ClientConnection> connectTls(
      uint16_t port, const Http2TlsOptions& tls,
      std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~Http2ClientConnection();
  Http2ClientConnection(const Http2ClientConnection&) = delete;
  Http2ClientConnection& operator=(const Http2ClientConnection&) = delete;

  // Opens a request stream with the given pseudo-headers and `headers` (names lower-case).
  // With `endStream` the HEADERS frame ends the request; otherwise the body follows through
  // send() and closeSend(). Returns the stream id, or -1 when nghttp2 refused it.
  int32_t open(const std::string& method, const std::string& scheme, const std::string& authority,
               const std::string& path, const Http2HeaderList& headers, bool endStream);
  // Queues body bytes and writes what flow control and the socket allow right now; the rest
  // goes out while the connection is pumped. False when the stream or connection is gone.
  bool send(int32_t id, std::string_view bytes);
  // Ends the request body (END_STREAM once the queued bytes are out).
  void closeSend(int32_t id);
  // Sends RST_STREAM with `code`.
  void reset(int32_t id, uint32_t code = NGHTTP2_CANCEL);

  Http2ClientStream* stream(int32_t id);
  // "https" over TLS, else "http": the :scheme callers put on requests.
  const char* scheme() const { return ssl_ != nullptr ? "https" : "http"; }
  // Reads and writes until `done()` holds, the connection breaks or `deadline` passes.
  // Returns done().
  bool pumpUntil(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
  // The peer closed the connection, an I/O error, or a fatal protocol error.
  bool broken() const { return broken_; }
  // A GOAWAY arrived: its last stream id and error code.
  bool goawayReceived() const { return goaway_; }
  uint32_t goawayCode() const { return goawayCode_; }

 private:
  Http2ClientConnection(int fd, SSL_CTX* context, SSL* ssl);
  // >0 bytes moved, 0 would block, -1 closed or failed.
  ssize_t ioSend(const char* data, size_t length);
  ssize_t ioRecv(uint8_t* data, size_t length);
  void flush();
  void pumpOnce(std::chrono::steady_clock::time_point deadline);

  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t nameLength, const uint8_t* value, size_t valueLength, uint8_t flags,
                      void* user);
  static int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int onDataChunk(nghttp2_session*, uint8_t flags, int32_t id, const uint8_t* data,
                         size_t length, void* user);
  static int onStreamClose(nghttp2_session*, int32_t id, uint32_t code, void* user);
  static ssize_t readBody(nghttp2_session*, int32_t id, uint8_t* buffer, size_t length,
                          uint32_t* flags, nghttp2_data_source* source, void* user);

  int fd_;
  SSL_CTX* context_;  // owned; null for h2c
  SSL* ssl_;          // owned; null for h2c
  nghttp2_session* session_ = nullptr;
  std::string out_;  // bytes nghttp2 produced that the socket has not taken yet
  bool broken_ = false;
  bool goaway_ = false;
  uint32_t goawayCode_ = 0;
  std::map<int32_t, std::unique_ptr<Http2ClientStream>> streams_;
};

}  // namespace portico::testing
