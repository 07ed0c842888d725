#include "support/grpc_client.h"

namespace portico::testing {

std::string GrpcCall::Result::grpcStatus() const {
  if (auto it = trailers.find("grpc-status"); it != trailers.end()) return it->second;
  if (auto it = headers.find("grpc-status"); it != headers.end()) return it->second;
  return {};
}

std::string GrpcCall::Result::grpcMessage() const {
  if (auto it = trailers.find("grpc-message"); it != trailers.end()) return it->second;
  if (auto it = headers.find("grpc-message"); it != headers.end()) return it->second;
  return {};
}

GrpcCall::GrpcCall(std::unique_ptr<Http2ClientConnection> connection, int32_t id)
    : connection_(std::move(connection)), id_(id) {}

std::unique_ptr<GrpcCall> GrpcCall::start(
    uint16_t port, std::string path, std::string authority,
    std::vector<std::pair<std::string, std::string>> extraHeaders) {
  return start(Http2ClientConnection::connect(port), std::move(path), std::move(authority),
               std::move(extraHeaders));
}

std::unique_ptr<GrpcCall> GrpcCall::start(
    std::unique_ptr<Http2ClientConnection> connection, std::string path, std::string authority,
    std::vector<std::pair<std::string, std::string>> extraHeaders) {
  if (!connection) return nullptr;
  Http2HeaderList headers{{"content-type", "application/grpc"}, {"te", "trailers"}};
  headers.insert(headers.end(), extraHeaders.begin(), extraHeaders.end());
  int32_t id = connection->open("POST", connection->scheme(), authority, path, headers, false);
  if (id < 0) return nullptr;
  return std::unique_ptr<GrpcCall>(new GrpcCall(std::move(connection), id));
}

GrpcCall::Result GrpcCall::unary(uint16_t port, std::string path, std::string authority,
                                 std::string_view message,
                                 std::vector<std::pair<std::string, std::string>> extraHeaders,
                                 std::chrono::milliseconds timeout) {
  auto call = start(port, std::move(path), std::move(authority), std::move(extraHeaders));
  if (!call) {
    Result result;
    result.connectionError = true;
    return result;
  }
  call->send(message);
  call->closeSend();
  return call->finish(timeout);
}

bool GrpcCall::send(std::string_view message) { return sendRaw(grpcFrame(message)); }

bool GrpcCall::sendRaw(std::string_view bytes) { return connection_->send(id_, bytes); }

void GrpcCall::closeSend() { connection_->closeSend(id_); }

void GrpcCall::cancel() { connection_->reset(id_, NGHTTP2_CANCEL); }

void GrpcCall::decodeMessages() {
  Http2ClientStream* s = connection_->stream(id_);
  if (!s->headBlockDone) return;
  auto contentType = s->headers.find("content-type");
  if (contentType == s->headers.end() || !contentType->second.starts_with("application/grpc")) {
    return;
  }
  while (auto message = takeGrpcMessage(s->body)) messages_.push_back(std::move(*message));
}

bool GrpcCall::ended() {
  const Http2ClientStream* s = connection_->stream(id_);
  return s->remoteEnded || s->closed || connection_->broken();
}

std::optional<std::string> GrpcCall::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  connection_->pumpUntil(
      [&] {
        decodeMessages();
        return nextToRead_ < messages_.size() || ended();
      },
      deadline);
  decodeMessages();
  if (nextToRead_ < messages_.size()) return messages_[nextToRead_++];
  return std::nullopt;
}

bool GrpcCall::waitForHeaders(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const Http2ClientStream* s = connection_->stream(id_);
  connection_->pumpUntil([&] { return s->headBlockDone || ended(); }, deadline);
  return s->headBlockDone;
}

GrpcCall::Result GrpcCall::finish(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const bool done = connection_->pumpUntil([&] { return ended(); }, deadline);
  decodeMessages();
  const Http2ClientStream* s = connection_->stream(id_);
  Result result;
  result.httpStatus = s->status;
  result.headers = s->headers;
  result.trailers = s->trailers;
  result.messages = messages_;
  result.body = s->body;
  result.resetCode = s->resetCode;
  result.timedOut = !done;
  result.connectionError = !s->remoteEnded && !s->closed && connection_->broken();
  result.trailersOnly =
      s->remoteEnded && s->headBlockDone && s->trailers.empty() && s->bodyBytes == 0;
  return result;
}

}  // namespace portico::testing
