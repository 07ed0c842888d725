// GCC 12 pairs asio's awaitable frame operator delete with the wrong operator new when it
// inlines a coroutine (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "portico/core/http1_downstream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "portico/http/http1_serializer.h"

namespace portico::core {
namespace asio = boost::asio;

asio::awaitable<bool> Http1Downstream::sendContinue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(kContinue),
                                            asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<bool> Http1Downstream::sendHead(http::ResponseHead& head, bool noBody) {
  bool closeDelimited = false;
  if (!noBody && head.framing != http::BodyFraming::kContentLength) {
    if (request_.version == 11) {
      head.framing = http::BodyFraming::kChunked;
    } else {
      head.framing = http::BodyFraming::kNone;
      closeDelimited = true;
    }
  }
  chunked_ = !noBody && head.framing == http::BodyFraming::kChunked;
  // An unread request body would be taken for the next request: close instead.
  keep_ = request_.keepAlive && !draining_ && reader_.bodyComplete() && !closeDelimited;
  pending_.clear();
  http::appendResponseHead(head, request_.version == 10 ? 10 : 11, !keep_, pending_);
  if (!noBody) co_return true;
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(pending_),
                                            asio::as_tuple(asio::use_awaitable));
  pending_.clear();
  if (ec) keep_ = false;
  co_return !ec;
}

asio::awaitable<bool> Http1Downstream::sendBody(std::string_view data, bool last) {
  if (chunked_) {
    http::appendChunk(data, pending_);
    if (last) http::appendLastChunk(pending_);
  } else {
    pending_.append(data);
  }
  if (pending_.empty()) co_return true;
  // Written inline rather than through flush(): one coroutine frame per body piece, as before.
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(pending_),
                                            asio::as_tuple(asio::use_awaitable));
  pending_.clear();
  if (ec) keep_ = false;
  co_return !ec;
}

asio::awaitable<bool> Http1Downstream::sendTrailers(const http::HeaderMap& trailers) {
  if (!chunked_) co_return co_await sendBody({}, true);
  pending_.append("0\r\n");
  for (const auto& entry : trailers.entries()) {
    pending_.append(entry.name).append(": ").append(entry.value).append("\r\n");
  }
  pending_.append("\r\n");
  co_return co_await flush();
}

asio::awaitable<void> Http1Downstream::abortResponse() {
  keep_ = false;
  co_await flush();
}

asio::awaitable<bool> Http1Downstream::flush() {
  if (pending_.empty()) co_return true;
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(pending_),
                                            asio::as_tuple(asio::use_awaitable));
  pending_.clear();
  if (ec) keep_ = false;
  co_return !ec;
}

asio::awaitable<BodyPiece> Http1Downstream::readBody(char* out, std::size_t capacity) {
  auto body = co_await reader_.readBody(out, capacity);
  co_return BodyPiece{body.bytes, body.done, body.failed, body.malformed};
}

}  // namespace portico::core
