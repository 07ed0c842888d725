// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/upstream/http2_upstream_stream.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "portico/upstream/http2_upstream_connection.h"

namespace portico::upstream {
namespace asio = boost::asio;

namespace {

// Above this much queued request body, sendBody() waits for nghttp2 to take some.
constexpr std::size_t kMaxQueuedBody = 64 * 1024;


}  // namespace

Http2UpstreamStream::Http2UpstreamStream(const asio::any_io_executor& executor)
    : wake_(executor), deadline_(executor) {
  head_.version = 20;
}

Http2UpstreamStream::~Http2UpstreamStream() {
  deadline_.cancel();
  // Unread response bytes still count against the connection's window.
  if (connection_) {
    if (!in_.empty()) connection_->consume(id_, in_.size());
    connection_->forget(id_, !closed_);
  }
}

void Http2UpstreamStream::attach(std::shared_ptr<Http2UpstreamConnection> connection, int32_t id) {
  connection_ = std::move(connection);
  id_ = id;
}

void Http2UpstreamStream::armDeadline(std::chrono::steady_clock::time_point when) {
  deadline_.expires_at(when);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: `this` may be gone
    timedOut_ = true;
    wake_.notify();
  });
}

void Http2UpstreamStream::cancel() {
  cancelled_ = true;
  wake_.notify();
}

void Http2UpstreamStream::receiveField(std::string_view name, std::string_view value,
                                       bool trailer) {
  if (trailer) {
    if (!name.starts_with(':')) trailers_.add(name, value);
    return;
  }
  if (name == ":status") {
    unsigned status = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), status);
    if (ec != std::errc() || ptr != value.data() + value.size()) headMalformed_ = true;
    head_.status = status;
  } else if (name == "content-length") {
    uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec != std::errc() || ptr != value.data() + value.size()) headMalformed_ = true;
    head_.framing = http::BodyFraming::kContentLength;
    head_.contentLength = length;
  } else if (!name.starts_with(':')) {
    head_.headers.add(name, value);
  }
}

void Http2UpstreamStream::receiveHead(bool endStream) {
  headDone_ = true;
  headOnly_ = endStream;
  if (!endStream && head_.framing != http::BodyFraming::kContentLength) {
    // Length unknown: an HTTP/1.1 client gets it chunked.
    head_.framing = http::BodyFraming::kChunked;
  }
  wake_.notify();
}

void Http2UpstreamStream::receiveData(std::string_view data) {
  in_.append(data);
  wake_.notify();
}

void Http2UpstreamStream::receiveEnd() {
  inEnd_ = true;
  wake_.notify();
}

void Http2UpstreamStream::receiveClose(uint32_t errorCode, bool refused) {
  closed_ = true;
  resetCode_ = errorCode;
  refused_ = refused && !headDone_;
  wake_.notify();
}

std::optional<std::size_t> Http2UpstreamStream::readRequest(uint8_t* out, std::size_t capacity,
                                                            bool& eof) {
  if (out_.empty() && !outEnd_) {
    deferred_ = true;
    return std::nullopt;
  }
  std::size_t n = out_.take(out, capacity);
  if (outEnd_ && out_.empty()) eof = true;
  wake_.notify();
  return n;
}

asio::awaitable<bool> Http2UpstreamStream::awaitHead() {
  while (!headDone_ && !gone()) co_await wake_.wait();
  co_return headDone_ && !headMalformed_ && !cancelled_ && !timedOut_;
}

asio::awaitable<Http2UpstreamStream::Piece> Http2UpstreamStream::readBody(char* out,
                                                                          std::size_t capacity) {
  for (;;) {
    if (cancelled_ || timedOut_) co_return Piece{0, false, true};
    if (!in_.empty()) {
      std::size_t n = in_.take(out, capacity);
      // Only now may the upstream send more: the window follows the client's pace.
      connection_->consume(id_, n);
      co_return Piece{n, inEnd_ && in_.empty(), false};
    }
    if (inEnd_) co_return Piece{0, true, false};
    if (closed_) co_return Piece{0, false, true};
    co_await wake_.wait();
  }
}

asio::awaitable<bool> Http2UpstreamStream::sendBody(std::string_view data, bool last) {
  while (!gone() && out_.size() >= kMaxQueuedBody) co_await wake_.wait();
  if (gone() || outEnd_) co_return false;
  out_.append(data);
  if (last) outEnd_ = true;
  if (deferred_) {
    deferred_ = false;
    connection_->resume(id_);
  }
  co_return true;
}

}  // namespace portico::upstream
