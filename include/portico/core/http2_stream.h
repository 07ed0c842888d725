// One HTTP/2 stream of an Http2Connection, as both ends see it. The connection's codec
// callbacks feed it the request (headers, DATA) and pull response DATA out of it; the
// stream's task (Http2Connection::serveStream) reads the body and writes the response
// through it as a RequestBodySource and a DownstreamSink, exactly as an UpstreamExchange
// does on HTTP/1.1. Both sides buffer at most about two body pieces: the client's window
// opens only as the body is read, and sendBody() waits while nghttp2 has not taken the
// previous piece (it takes them as the client's window allows). Owned by the connection's
// stream table until nghttp2 closed it and its task has ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "portico/core/async_signal.h"
#include "portico/core/downstream_sink.h"
#include "portico/core/request_body_source.h"
#include "portico/http/byte_queue.h"
#include "portico/http/header_map.h"
#include "portico/http/request_head.h"

namespace portico::core {

class Http2Connection;

class Http2Stream final : public DownstreamSink, public RequestBodySource {
 public:
  Http2Stream(Http2Connection& connection, int32_t id, std::size_t maxHeaderListBytes);

  int32_t id() const { return id_; }

  // Codec side.
  void addHeader(std::string_view name, std::string_view value);
  // Builds the request head from what addHeader() collected.
  void headersDone(bool endStream);
  void receiveData(std::string_view data);
  void receiveEnd();
  // nghttp2 is done with the stream (or the connection is gone): waiters give up.
  // `consumeLeftover`: give unread body bytes back to the connection window.
  void markClosed(bool consumeLeftover);
  // `trailers`: the body ends at `eof` but the stream ends with the trailers, which this
  // call has submitted.
  std::optional<std::size_t> readResponse(uint8_t* out, std::size_t capacity, bool& eof,
                                          bool& trailers);

  // Task side.
  http::RequestHead& head() { return head_; }
  // 0, or the status the codec answers instead of the filter chain (400, 431).
  unsigned headError() const { return headError_; }
  bool closed() const { return closed_; }
  bool responseComplete() const { return responseComplete_; }
  bool taskRunning() const { return taskRunning_; }
  bool taskDone() const { return taskDone_; }
  void taskStarted() { taskRunning_ = true; }
  // The task ended: unread body bytes are given back, later ones dropped on arrival.
  void taskFinished();

  boost::asio::awaitable<bool> sendContinue() override { co_return !closed_; }
  boost::asio::awaitable<bool> sendHead(http::ResponseHead& head, bool noBody) override;
  boost::asio::awaitable<bool> sendBody(std::string_view data, bool last) override;
  boost::asio::awaitable<bool> sendTrailers(const http::HeaderMap& trailers) override;
  bool fullDuplex() const override { return true; }
  boost::asio::awaitable<void> abortResponse() override;
  bool keepAlive() const override { return !closed_; }
  bool clientGone() const override { return closed_ && !responseComplete_; }
  void onClientGone(std::function<void()> cancel) override { onGone_ = std::move(cancel); }

  boost::asio::awaitable<BodyPiece> readBody(char* out, std::size_t capacity) override;
  bool bodyComplete() const override { return inEnd_ && in_.empty(); }
  bool hasBufferedBytes() const override { return !in_.empty(); }
  void cancelRead() override;

 private:
  void consumeUnread();

  Http2Connection& connection_;
  int32_t id_;
  std::size_t maxHeaderListBytes_;
  std::size_t headerListBytes_ = 0;
  unsigned headError_ = 0;
  http::RequestHead head_;
  std::string path_;
  std::string host_;
  std::string cookie_;
  std::optional<uint64_t> contentLength_;
  bool sawPath_ = false;

  http::ByteQueue in_;  // request body received, not yet read
  bool inEnd_ = false;
  bool readCancelled_ = false;
  http::ByteQueue out_;  // response body queued, not yet taken by nghttp2
  bool outEnd_ = false;
  http::HeaderMap trailers_;  // sent after the body, ending the stream
  bool deferred_ = false;  // nghttp2 waits for resumeData()
  bool responseStarted_ = false;
  bool responseComplete_ = false;
  bool closed_ = false;
  bool taskRunning_ = false;
  bool taskDone_ = false;
  std::function<void()> onGone_;  // cancels the upstream I/O of the exchange in progress
  AsyncSignal wake_;
};

}  // namespace portico::core
