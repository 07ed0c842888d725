// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/http2_stream.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

#include "portico/core/http2_connection.h"
#include "portico/http/path_normalizer.h"

namespace portico::core {
namespace asio = boost::asio;

namespace {

// Above this much queued response body, sendBody() waits for nghttp2 to take some.
constexpr std::size_t kMaxQueuedBody = 64 * 1024;
// RFC 9113 8.2.3 / 7541 4.1: each field counts its name, value and 32 bytes.
constexpr std::size_t kFieldOverhead = 32;

// Connection-specific fields (RFC 9113 8.2.2) never cross; nghttp2 already rejects most of
// them in requests, and HTTP/1.1 upstreams may send them in responses.
bool isHopByHop(std::string_view lowerName) {
  return lowerName == "connection" || lowerName == "keep-alive" ||
         lowerName == "proxy-connection" || lowerName == "transfer-encoding" ||
         lowerName == "upgrade" || lowerName == "te";
}


}  // namespace

Http2Stream::Http2Stream(Http2Connection& connection, int32_t id, std::size_t maxHeaderListBytes)
    : connection_(connection),
      id_(id),
      maxHeaderListBytes_(maxHeaderListBytes),
      wake_(connection.executor()) {
  head_.version = 20;
}

void Http2Stream::addHeader(std::string_view name, std::string_view value) {
  if (headError_ != 0) return;
  headerListBytes_ += name.size() + value.size() + kFieldOverhead;
  if (headerListBytes_ > maxHeaderListBytes_) {
    headError_ = 431;
    return;
  }
  // nghttp2 has checked the pseudo-header set (RFC 9113 8.3) and that names are lower-case.
  if (name == ":method") {
    head_.method.assign(value);
  } else if (name == ":path") {
    path_.assign(value);
    sawPath_ = true;
  } else if (name == ":authority") {
    head_.authority.assign(value);
  } else if (name.starts_with(':')) {
    // :scheme: x-forwarded-proto comes from the connection, as for HTTP/1.1.
  } else if (name == "host") {
    host_.assign(value);
  } else if (name == "cookie") {
    // RFC 9113 8.2.3: split cookies are joined again for an HTTP/1.1 upstream.
    if (!cookie_.empty()) cookie_.append("; ");
    cookie_.append(value);
  } else if (name == "content-length") {
    uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
      headError_ = 400;
      return;
    }
    contentLength_ = length;
  } else if (name == "te" && value == "trailers") {
    // The one TE an HTTP/2 request may carry (RFC 9113 8.2.2); gRPC servers expect it.
    head_.headers.add(name, value);
  } else if (!isHopByHop(name)) {
    head_.headers.add(name, value);
  }
}

void Http2Stream::headersDone(bool endStream) {
  inEnd_ = endStream;
  if (headError_ != 0) return;
  if (head_.authority.empty()) head_.authority = host_;
  if (!cookie_.empty()) head_.headers.add("cookie", cookie_);
  head_.originalTarget = path_;
  auto target = sawPath_ ? http::parseRequestTarget(path_) : std::nullopt;
  if (!target || head_.authority.empty() || (target->path == "*" && head_.method != "OPTIONS")) {
    headError_ = 400;
    return;
  }
  head_.path = std::move(target->path);
  head_.query = std::move(target->query);
  head_.hasQuery = target->hasQuery;
  if (endStream) {
    head_.framing = http::BodyFraming::kNone;
  } else if (contentLength_) {
    head_.framing = http::BodyFraming::kContentLength;
    head_.contentLength = *contentLength_;
  } else {
    // Length unknown: the HTTP/1.1 upstream gets it chunked.
    head_.framing = http::BodyFraming::kChunked;
  }
}

void Http2Stream::receiveData(std::string_view data) {
  if (taskDone_) {
    connection_.session().consume(id_, data.size());
    return;
  }
  in_.append(data);
  wake_.notify();
}

void Http2Stream::receiveEnd() {
  inEnd_ = true;
  wake_.notify();
}

void Http2Stream::markClosed(bool consumeLeftover) {
  if (closed_) return;
  closed_ = true;
  if (consumeLeftover) consumeUnread();
  wake_.notify();
  if (onGone_ && !responseComplete_) {
    auto cancel = std::move(onGone_);
    onGone_ = nullptr;
    cancel();
  }
}

void Http2Stream::consumeUnread() {
  if (!in_.empty()) connection_.session().consume(id_, in_.size());
  in_.clear();
}

void Http2Stream::taskFinished() {
  taskRunning_ = false;
  taskDone_ = true;
  if (!closed_) consumeUnread();
  // A response the task never started (it cannot happen, but nghttp2 must not wait forever).
  if (!responseStarted_ && !closed_)
    connection_.session().resetStream(id_, http2::ErrorCode::kInternalError);
}

std::optional<std::size_t> Http2Stream::readResponse(uint8_t* out, std::size_t capacity,
                                                     bool& eof, bool& trailers) {
  if (out_.empty() && !outEnd_) {
    deferred_ = true;
    return std::nullopt;
  }
  std::size_t n = out_.take(out, capacity);
  if (outEnd_ && out_.empty()) {
    eof = true;
    responseComplete_ = true;
    if (!trailers_.empty()) {
      std::vector<http2::HeaderField> fields;
      fields.reserve(trailers_.size());
      for (const auto& entry : trailers_.entries()) {
        if (!isHopByHop(entry.name)) fields.push_back({entry.name, entry.value});
      }
      trailers = connection_.session().submitTrailers(id_, fields);
    }
  }
  wake_.notify();
  return n;
}

asio::awaitable<bool> Http2Stream::sendHead(http::ResponseHead& head, bool noBody) {
  if (closed_ || responseStarted_) co_return false;
  const std::string status = std::to_string(head.status);
  std::string length;
  std::vector<http2::HeaderField> fields;
  fields.reserve(head.headers.size() + 2);
  fields.push_back({":status", status});
  for (const auto& entry : head.headers.entries()) {
    if (isHopByHop(entry.name) || entry.name == "content-length") continue;
    fields.push_back({entry.name, entry.value});
  }
  if (head.framing == http::BodyFraming::kContentLength && head.status != 204 &&
      head.status != 304) {
    length = std::to_string(head.contentLength);
    fields.push_back({"content-length", length});
  }
  responseStarted_ = true;
  if (noBody) {
    outEnd_ = true;
    responseComplete_ = true;
  }
  bool ok = connection_.session().submitResponse(id_, fields, !noBody);
  connection_.wakeWriter();
  co_return ok;
}

asio::awaitable<bool> Http2Stream::sendBody(std::string_view data, bool last) {
  while (!closed_ && out_.size() >= kMaxQueuedBody) co_await wake_.wait();
  if (closed_ || !responseStarted_ || outEnd_) co_return false;
  out_.append(data);
  if (last) outEnd_ = true;
  if (deferred_) {
    deferred_ = false;
    connection_.session().resumeData(id_);
  }
  connection_.wakeWriter();
  co_return true;
}

asio::awaitable<bool> Http2Stream::sendTrailers(const http::HeaderMap& trailers) {
  trailers_ = trailers;
  co_return co_await sendBody({}, true);
}

asio::awaitable<void> Http2Stream::abortResponse() {
  if (!closed_) connection_.session().resetStream(id_, http2::ErrorCode::kInternalError);
  connection_.wakeWriter();
  co_return;
}

void Http2Stream::cancelRead() {
  readCancelled_ = true;
  wake_.notify();
}

asio::awaitable<BodyPiece> Http2Stream::readBody(char* out, std::size_t capacity) {
  for (;;) {
    if (readCancelled_) co_return BodyPiece{0, false, true, false};
    if (!in_.empty()) {
      std::size_t n = in_.take(out, capacity);
      // Only now may the client send more: the window follows the upstream's pace.
      connection_.session().consume(id_, n);
      connection_.wakeWriter();
      co_return BodyPiece{n, inEnd_ && in_.empty(), false, false};
    }
    if (inEnd_) co_return BodyPiece{0, true, false, false};
    if (closed_) co_return BodyPiece{0, false, true, false};
    co_await wake_.wait();
  }
}

}  // namespace portico::core
