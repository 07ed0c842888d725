// portico_test_h2_upstream: a gRPC-shaped HTTP/2 server on loopback for the integration tests.
// It speaks prior-knowledge h2c only (no TLS, no HTTP/1.1 upgrade), many connections, up to
// 100 concurrent streams each (SETTINGS_MAX_CONCURRENT_STREAMS), with nghttp2's automatic
// WINDOW_UPDATEs, on one Asio thread: a slow stream never blocks another.
//
//   /echo.Echo/Unary   gRPC unary: after the whole request, 200 + application/grpc, one message
//                      echoing the first request message, trailers grpc-status 0, grpc-message OK
//   /echo.Echo/Bidi    gRPC bidi: response headers as soon as the request headers arrive, each
//                      request message echoed as soon as it is complete, trailers grpc-status 0
//                      when the request ends
//   /echo.Echo/Fail    after the whole request: trailers-only (one HEADERS with END_STREAM):
//                      200, application/grpc, grpc-status 13, grpc-message boom
//   /echo.Echo/Slow    like Unary, answered x-delay-ms (default 5000) after the request ended
//   /echo.Echo/Headers like Unary, but the one message is the request head in the text form
//                      of the plain echo below ("POST /echo.Echo/Headers\n" + header lines)
//   /reset             RST_STREAM as soon as the request headers arrive, with the code from
//                      request header x-reset-code (default 2, INTERNAL_ERROR); no response
//   /stats             text "connections=C streams=S": accepted TCP connections and request
//                      streams since start, counting every probe and this request itself
//   anything else      after the whole request: 200 text/plain, x-upstream-protocol: h2, body
//                      "METHOD PATH\n", each request header "name: value\n" in arrival order
//                      (pseudo-headers included), "\n", then the request body verbatim; with
//                      request header x-response-bytes: N the body is N bytes of 'x' instead,
//                      produced as flow control allows (never buffered whole); each request
//                      header x-response-trailer: "name: value" becomes a response trailer
//
// Every response carries x-upstream-name (from --name). A gRPC call without a complete request
// message answers trailers-only grpc-status 3.
//
//   portico_test_h2_upstream --port N [--name NAME] [--address ADDR]
// prints "portico_test_h2_upstream NAME listening on ADDR:PORT" once it accepts connections.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/grpc_frame.h"

namespace asio = boost::asio;
using portico::testing::grpcFrame;
using portico::testing::takeGrpcMessage;
using asio::ip::tcp;

namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct State {
  std::string name = "h2upstream";
  uint64_t connections = 0;
  uint64_t streams = 0;
};

enum class Kind { kPlain, kStats, kUnary, kBidi, kFail, kSlow, kReset, kHeaders };

Kind kindOf(std::string_view path) {
  if (path == "/echo.Echo/Unary") return Kind::kUnary;
  if (path == "/echo.Echo/Bidi") return Kind::kBidi;
  if (path == "/echo.Echo/Fail") return Kind::kFail;
  if (path == "/echo.Echo/Slow") return Kind::kSlow;
  if (path == "/echo.Echo/Headers") return Kind::kHeaders;
  if (path == "/stats") return Kind::kStats;
  if (path == "/reset") return Kind::kReset;
  return Kind::kPlain;
}

uint64_t parseNumber(std::string_view s, uint64_t fallback) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : fallback;
}

// One request stream: what arrived, and the response body still to go out.
struct Stream {
  int32_t id = 0;
  Kind kind = Kind::kPlain;
  std::string method;
  std::string path;
  HeaderList headers;  // as received, pseudo-headers included
  std::string body;    // plain: the whole request body; gRPC: bytes not yet a whole message
  std::optional<std::string> firstMessage;
  bool requestEnded = false;

  // The response body: `out` first, then `fill` bytes of 'x'; then trailers (if any) or
  // END_STREAM once `outputClosed`.
  std::string out;
  size_t outOffset = 0;
  uint64_t fill = 0;
  bool outputClosed = false;
  bool deferred = false;
  HeaderList trailers;
  std::unique_ptr<asio::steady_timer> timer;
};

std::vector<nghttp2_nv> toNv(const HeaderList& headers) {
  std::vector<nghttp2_nv> nv;
  nv.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                  reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                  value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nv;
}

// One accepted connection with its nghttp2 server session. Lives as long as a read, a write
// or a stream timer refers to it (timers hold a weak reference only).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, State& state) : socket_(std::move(socket)), state_(state) {}
  ~Connection() {
    if (session_ != nullptr) nghttp2_session_del(session_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Connection::onBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &Connection::onHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Connection::onFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Connection::onDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Connection::onStreamClose);
    nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
    flush();
    read();
  }

 private:
  static Connection& self(void* user) { return *static_cast<Connection*>(user); }

  void read() {
    socket_.async_read_some(asio::buffer(readBuffer_), [self = shared_from_this()](
                                                           boost::system::error_code ec, size_t n) {
      if (ec || self->closed_) return self->close();
      ssize_t rv = nghttp2_session_mem_recv(self->session_, self->readBuffer_.data(), n);
      if (rv < 0) return self->close();
      self->flush();
      if (!self->closed_) self->read();
    });
  }

  // Moves what nghttp2 has to send onto the socket, one write at a time.
  void flush() {
    if (writing_ || closed_) return;
    while (writeBuffer_.size() < 64 * 1024) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) return close();
      if (n == 0) break;
      writeBuffer_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (writeBuffer_.empty()) {
      if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
        close();
      }
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(writeBuffer_),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        self->writing_ = false;
                        self->writeBuffer_.clear();
                        if (ec) return self->close();
                        self->flush();
                      });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    for (auto& [id, stream] : streams_) {
      if (stream->timer) stream->timer->cancel();
    }
  }

  Stream* find(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto stream = std::make_unique<Stream>();
    stream->id = frame->hd.stream_id;
    self(user).streams_[stream->id] = std::move(stream);
    ++self(user).state_.streams;
    return 0;
  }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t nameLength, const uint8_t* value, size_t valueLength, uint8_t,
                      void* user) {
    // Request trailers are accepted and ignored: only the request head is echoed.
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Stream* stream = self(user).find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    std::string n(reinterpret_cast<const char*>(name), nameLength);
    std::string v(reinterpret_cast<const char*>(value), valueLength);
    if (n == ":method") stream->method = v;
    if (n == ":path") stream->path = v;
    stream->headers.emplace_back(std::move(n), std::move(v));
    return 0;
  }

  static int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Connection& c = self(user);
    Stream* stream = c.find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      stream->kind = kindOf(stream->path);
      if (stream->kind == Kind::kBidi) c.respond(*stream, c.grpcHead());
      if (stream->kind == Kind::kReset) {
        uint64_t code = NGHTTP2_INTERNAL_ERROR;
        for (const auto& [name, value] : stream->headers) {
          if (name == "x-reset-code") code = parseNumber(value, code);
        }
        nghttp2_submit_rst_stream(c.session_, NGHTTP2_FLAG_NONE, stream->id,
                                  static_cast<uint32_t>(code));
        return 0;
      }
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
      c.onRequestEnd(*stream);
    }
    return 0;
  }

  static int onDataChunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t length,
                         void* user) {
    Connection& c = self(user);
    Stream* stream = c.find(id);
    if (stream == nullptr) return 0;
    stream->body.append(reinterpret_cast<const char*>(data), length);
    if (stream->kind == Kind::kPlain || stream->kind == Kind::kStats ||
        stream->kind == Kind::kReset) {
      return 0;
    }
    while (auto message = takeGrpcMessage(stream->body)) {
      if (!stream->firstMessage) stream->firstMessage = *message;
      if (stream->kind == Kind::kBidi) {
        stream->out += grpcFrame(*message);
        c.resume(*stream);
      }
    }
    return 0;
  }

  static int onStreamClose(nghttp2_session*, int32_t id, uint32_t, void* user) {
    Connection& c = self(user);
    auto it = c.streams_.find(id);
    if (it == c.streams_.end()) return 0;
    if (it->second->timer) it->second->timer->cancel();
    c.streams_.erase(it);
    return 0;
  }

  HeaderList grpcHead() const {
    return {
        {":status", "200"}, {"content-type", "application/grpc"}, {"x-upstream-name", state_.name}};
  }

  void onRequestEnd(Stream& stream) {
    stream.requestEnded = true;
    switch (stream.kind) {
      case Kind::kBidi:
        stream.trailers = {{"grpc-status", "0"}};
        stream.outputClosed = true;
        resume(stream);
        break;
      case Kind::kUnary:
        respondUnary(stream);
        break;
      case Kind::kHeaders:
        stream.firstMessage = requestHead(stream);
        respondUnary(stream);
        break;
      case Kind::kSlow: {
        uint64_t delayMs = 5000;
        for (const auto& [name, value] : stream.headers) {
          if (name == "x-delay-ms") delayMs = parseNumber(value, delayMs);
        }
        stream.timer = std::make_unique<asio::steady_timer>(socket_.get_executor(),
                                                            std::chrono::milliseconds(delayMs));
        stream.timer->async_wait(
            [weak = weak_from_this(), id = stream.id](boost::system::error_code ec) {
              auto self = weak.lock();
              if (ec || !self || self->closed_) return;
              if (Stream* s = self->find(id)) {
                self->respondUnary(*s);
                self->flush();
              }
            });
        break;
      }
      case Kind::kFail: {
        HeaderList head = grpcHead();
        head.emplace_back("grpc-status", "13");
        head.emplace_back("grpc-message", "boom");
        auto nv = toNv(head);
        nghttp2_submit_response(session_, stream.id, nv.data(), nv.size(), nullptr);
        break;
      }
      case Kind::kStats:
        stream.out = "connections=" + std::to_string(state_.connections) +
                     " streams=" + std::to_string(state_.streams);
        stream.outputClosed = true;
        respond(stream, plainHead());
        break;
      case Kind::kPlain:
        respondPlain(stream);
        break;
      case Kind::kReset:
        break;
    }
  }

  HeaderList plainHead() const {
    return {{":status", "200"},
            {"content-type", "text/plain"},
            {"x-upstream-protocol", "h2"},
            {"x-upstream-name", state_.name}};
  }

  void respondPlain(Stream& stream) {
    std::optional<uint64_t> responseBytes;
    for (const auto& [name, value] : stream.headers) {
      if (name == "x-response-bytes") responseBytes = parseNumber(value, 0);
    }
    for (const auto& [name, value] : stream.headers) {
      if (name != "x-response-trailer") continue;
      const size_t colon = value.find(':');
      if (colon == std::string::npos) continue;
      const size_t start = std::min(value.size(), value.find_first_not_of(' ', colon + 1));
      stream.trailers.emplace_back(value.substr(0, colon), value.substr(start));
    }
    if (responseBytes) {
      stream.fill = *responseBytes;
    } else {
      stream.out = requestHead(stream) + stream.body;
    }
    stream.outputClosed = true;
    respond(stream, plainHead());
  }

  // "METHOD PATH\n", then every request header "name: value\n" as received, then "\n".
  static std::string requestHead(const Stream& stream) {
    std::string head = stream.method + " " + stream.path + "\n";
    for (const auto& [name, value] : stream.headers) head += name + ": " + value + "\n";
    return head + "\n";
  }

  void respondUnary(Stream& stream) {
    if (!stream.firstMessage) {
      HeaderList head = grpcHead();
      head.emplace_back("grpc-status", "3");
      head.emplace_back("grpc-message", "no request message");
      auto nv = toNv(head);
      nghttp2_submit_response(session_, stream.id, nv.data(), nv.size(), nullptr);
      return;
    }
    stream.out = grpcFrame(*stream.firstMessage);
    stream.trailers = {{"grpc-status", "0"}, {"grpc-message", "OK"}};
    stream.outputClosed = true;
    respond(stream, grpcHead());
  }

  // Response headers now; the body comes from the stream through readBody().
  void respond(Stream& stream, const HeaderList& head) {
    auto nv = toNv(head);
    nghttp2_data_provider provider{};
    provider.source.ptr = &stream;
    provider.read_callback = &Connection::readBody;
    nghttp2_submit_response(session_, stream.id, nv.data(), nv.size(), &provider);
  }

  void resume(Stream& stream) {
    if (!stream.deferred) return;
    stream.deferred = false;
    nghttp2_session_resume_data(session_, stream.id);
  }

  static ssize_t readBody(nghttp2_session* session, int32_t id, uint8_t* buffer, size_t length,
                          uint32_t* flags, nghttp2_data_source* source, void*) {
    Stream& stream = *static_cast<Stream*>(source->ptr);
    size_t n = 0;
    if (stream.outOffset < stream.out.size()) {
      n = std::min(length, stream.out.size() - stream.outOffset);
      std::memcpy(buffer, stream.out.data() + stream.outOffset, n);
      stream.outOffset += n;
      if (stream.outOffset == stream.out.size()) {
        stream.out.clear();
        stream.outOffset = 0;
      }
    } else if (stream.fill > 0) {
      n = static_cast<size_t>(std::min<uint64_t>(length, stream.fill));
      std::memset(buffer, 'x', n);
      stream.fill -= n;
    }
    const bool drained = stream.out.empty() && stream.fill == 0;
    if (!drained) return static_cast<ssize_t>(n);
    if (!stream.outputClosed) {
      if (n > 0) return static_cast<ssize_t>(n);
      stream.deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (!stream.trailers.empty()) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      auto nv = toNv(stream.trailers);
      nghttp2_submit_trailer(session, id, nv.data(), nv.size());
    }
    return static_cast<ssize_t>(n);
  }

  tcp::socket socket_;
  State& state_;
  nghttp2_session* session_ = nullptr;
  std::array<uint8_t, 64 * 1024> readBuffer_{};
  std::string writeBuffer_;
  bool writing_ = false;
  bool closed_ = false;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
};

void accept(tcp::acceptor& acceptor, State& state) {
  acceptor.async_accept([&acceptor, &state](boost::system::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
    } else {
      ++state.connections;
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Connection>(std::move(socket), state)->start();
    }
    accept(acceptor, state);
  });
}

}  // namespace

int main(int argc, char** argv) {
  State state;
  std::string address = "127.0.0.1";
  unsigned port = 0;
  for (int i = 1; i < argc; i += 2) {
    std::string_view flag = argv[i];
    if (i + 1 < argc && flag == "--port")
      port = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (i + 1 < argc && flag == "--name")
      state.name = argv[i + 1];
    else if (i + 1 < argc && flag == "--address")
      address = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s --port N [--name NAME] [--address ADDR]\n", argv[0]);
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  boost::system::error_code ec;
  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(asio::ip::make_address(address, ec), static_cast<uint16_t>(port));
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", address.c_str(), port,
                 ec.message().c_str());
    return 1;
  }
  std::printf("portico_test_h2_upstream %s listening on %s:%u\n", state.name.c_str(),
              address.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  accept(acceptor, state);
  io.run();
  return 0;
}
