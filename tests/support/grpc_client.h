// A blocking gRPC client for tests: one call on its own prior-knowledge h2c connection
// (Http2ClientConnection), so a test can drive unary and bidi calls through the gateway and
// assert on messages, headers, trailers and resets. No protobuf: a message is opaque bytes,
// framed with the 5-byte gRPC prefix.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/grpc_frame.h"
#include "support/http2_client_connection.h"

namespace portico::testing {


class GrpcCall {
 public:
  struct Result {
    int httpStatus = 0;                          // 0 when no response head arrived
    std::map<std::string, std::string> headers;  // response head, no pseudo-headers
    // The trailing HEADERS block. A trailers-only response (one HEADERS with END_STREAM)
    // has everything, grpc-status included, in `headers` and `trailers` empty.
    std::map<std::string, std::string> trailers;
    std::vector<std::string> messages;  // every response message of the call, read() ones too
    // Response bytes not decoded as messages: the whole body when the response's content-type
    // is not application/grpc* (a local reply), else an incomplete trailing frame.
    std::string body;
    uint32_t resetCode = 0;        // RST_STREAM code (0 unless the stream was reset)
    bool timedOut = false;         // the call had not ended when finish() gave up
    bool connectionError = false;  // the connection broke before the call ended
    bool trailersOnly = false;

    // grpc-status from the trailers, else from the headers (trailers-only); "" when absent.
    std::string grpcStatus() const;
    std::string grpcMessage() const;
  };

  // Connects to 127.0.0.1:port and sends the request head: POST `path`, :scheme http,
  // :authority `authority`, content-type application/grpc, te trailers, then `extraHeaders`.
  // nullptr when the connection cannot be made.
  static std::unique_ptr<GrpcCall> start(
      uint16_t port, std::string path, std::string authority,
      std::vector<std::pair<std::string, std::string>> extraHeaders = {});

  // The same on a connection the test made (Http2ClientConnection::connectTls for gRPC over
  // TLS: :scheme follows the connection). The call owns the connection from here.
  static std::unique_ptr<GrpcCall> start(
      std::unique_ptr<Http2ClientConnection> connection, std::string path, std::string authority,
      std::vector<std::pair<std::string, std::string>> extraHeaders = {});

  // One unary call: start, send `message`, closeSend, finish. A failed connect gives a
  // Result with connectionError set.
  static Result unary(uint16_t port, std::string path, std::string authority,
                      std::string_view message,
                      std::vector<std::pair<std::string, std::string>> extraHeaders = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Sends one message (framed here). False when the stream or connection is gone.
  bool send(std::string_view message);
  // Sends raw body bytes (a frame split across DATA frames, or a malformed one).
  bool sendRaw(std::string_view bytes);
  // Ends the request (END_STREAM).
  void closeSend();
  // Resets the stream with CANCEL, as a client abandoning the call does.
  void cancel();
  // The next whole response message; nullopt on timeout or once the response has ended.
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  // Waits until the response head arrived (true) or the call ended or timed out (false).
  bool waitForHeaders(std::chrono::milliseconds timeout);
  // Waits for the end of the call (END_STREAM from the server, a reset, or a broken
  // connection) within `timeout`. Does not end the request side by itself.
  Result finish(std::chrono::milliseconds timeout);

  Http2ClientConnection& connection() { return *connection_; }
  int32_t streamId() const { return id_; }

 private:
  GrpcCall(std::unique_ptr<Http2ClientConnection> connection, int32_t id);
  // Moves whole messages from the stream's received bytes to messages_ (gRPC responses only).
  void decodeMessages();
  bool ended();

  std::unique_ptr<Http2ClientConnection> connection_;
  int32_t id_;
  std::vector<std::string> messages_;
  size_t nextToRead_ = 0;
};

}  // namespace portico::testing
