// GCC 12 at -O2 reports boost::optional inside Beast's basic_parser as maybe-uninitialized
// (a known false positive); it is not in our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "portico/http/http1_request_reader.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

#include "portico/http/buffered_body_feed.h"
#include "portico/http/path_normalizer.h"

namespace portico::http {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::string_view viewOf(const boost::beast::flat_buffer& b) {
  auto d = b.data();
  return {static_cast<const char*>(d.data()), d.size()};
}

bool hasToken(std::string_view list, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view t = list.substr(pos, comma - pos);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (equalsIgnoreCase(t, token)) return true;
    pos = comma + 1;
  }
  return false;
}

// Hop-by-hop headers never cross the proxy; framing headers are re-added by the serialiser.
bool isHopByHop(std::string_view lowerName) {
  return lowerName == "connection" || lowerName == "keep-alive" ||
         lowerName == "proxy-connection" || lowerName == "te" || lowerName == "transfer-encoding" ||
         lowerName == "upgrade" || lowerName == "content-length" || lowerName == "expect" ||
         lowerName == "host";
}

}  // namespace

Http1RequestReader::Http1RequestReader(core::DownstreamTransport& transport,
                                       const CodecLimits& limits)
    : transport_(transport), limits_(limits), deadline_(transport.get_executor()) {}

std::size_t Http1RequestReader::scanHead(std::string_view data, const CodecLimits& limits,
                                         HeadResult& result) {
  std::size_t lineEnd = data.find("\r\n");
  if (lineEnd == std::string_view::npos) {
    if (data.size() > limits.maxRequestLineBytes) {
      result = {Status::kUriTooLong, "request line too long"};
    }
    return 0;
  }
  if (lineEnd > limits.maxRequestLineBytes) {
    result = {Status::kUriTooLong, "request line too long"};
    return 0;
  }
  std::size_t fieldsBegin = lineEnd + 2;
  std::size_t headEnd;
  if (data.substr(fieldsBegin, 2) == "\r\n") {
    headEnd = fieldsBegin + 2;
  } else {
    std::size_t blank = data.find("\r\n\r\n", lineEnd);
    if (blank == std::string_view::npos) {
      if (data.size() - fieldsBegin > limits.maxHeaderBytes) {
        result = {Status::kHeadersTooLarge, "headers too large"};
      }
      return 0;
    }
    headEnd = blank + 4;
  }
  if (headEnd - fieldsBegin > limits.maxHeaderBytes + 2) {
    result = {Status::kHeadersTooLarge, "headers too large"};
    return 0;
  }
  // Beast unfolds obs-fold silently; RFC 7230 3.2.4 lets a server reject it, and a proxy
  // must not pass a folded header on, so reject.
  std::string_view fields = data.substr(fieldsBegin, headEnd - fieldsBegin);
  for (std::size_t i = 0; i + 1 < fields.size(); ++i) {
    if (fields[i] == '\n' && (fields[i + 1] == ' ' || fields[i + 1] == '\t')) {
      result = {Status::kBadRequest, "obs-fold in header"};
      return 0;
    }
  }
  if (!fields.empty() && (fields[0] == ' ' || fields[0] == '\t')) {
    result = {Status::kBadRequest, "whitespace before first header"};
    return 0;
  }
  return headEnd;
}

Http1RequestReader::HeadResult Http1RequestReader::fillHead(
    const bhttp::request_parser<bhttp::buffer_body>& parser, RequestHead& head) {
  const auto& msg = parser.get();
  head = RequestHead{};
  head.method.assign(msg.method_string().data(), msg.method_string().size());
  head.version = msg.version();
  if (head.version != 10 && head.version != 11) return {Status::kBadRequest, "HTTP version"};
  head.originalTarget.assign(msg.target().data(), msg.target().size());
  auto target = parseRequestTarget(head.originalTarget);
  if (!target) return {Status::kBadRequest, "invalid request target"};
  if (target->path == "*" && head.method != "OPTIONS") {
    return {Status::kBadRequest, "invalid request target"};
  }
  head.path = std::move(target->path);
  head.query = std::move(target->query);
  head.hasQuery = target->hasQuery;

  std::string connectionTokens;
  std::string upgradeValue;
  int hosts = 0;
  bool transferEncoding = false;
  for (const auto& field : msg) {
    std::string name =
        toLower(std::string_view(field.name_string().data(), field.name_string().size()));
    std::string_view value(field.value().data(), field.value().size());
    if (name == "host") {
      ++hosts;
      head.authority.assign(value);
    } else if (name == "connection") {
      if (!connectionTokens.empty()) connectionTokens += ',';
      connectionTokens.append(value);
    } else if (name == "expect") {
      if (equalsIgnoreCase(value, "100-continue")) head.expectContinue = true;
    } else if (name == "transfer-encoding") {
      transferEncoding = true;
    } else if (name == "upgrade") {
      upgradeValue.assign(value);
    }
    if (!isHopByHop(name)) head.headers.add(name, value);
  }
  if (hosts > 1) return {Status::kBadRequest, "multiple Host headers"};
  if (!target->authority.empty()) head.authority = std::move(target->authority);
  if (head.authority.empty() && head.version == 11) return {Status::kBadRequest, "missing Host"};

  // Headers named by Connection are hop-by-hop as well (RFC 7230 6.1).
  if (!connectionTokens.empty()) {
    std::size_t pos = 0;
    while (pos <= connectionTokens.size()) {
      std::size_t comma = connectionTokens.find(',', pos);
      if (comma == std::string::npos) comma = connectionTokens.size();
      std::string_view t(connectionTokens.data() + pos, comma - pos);
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
      if (!t.empty()) head.headers.remove(toLower(t));
      pos = comma + 1;
    }
  }

  // WebSocket only (other upgrades, h2c among them, stay stripped as hop-by-hop).
  if (head.version == 11 && hasToken(connectionTokens, "upgrade") &&
      equalsIgnoreCase(upgradeValue, "websocket")) {
    head.upgrade = true;
    head.headers.set("connection", "upgrade");
    head.headers.set("upgrade", upgradeValue);
  }

  if (parser.chunked()) {
    head.framing = BodyFraming::kChunked;
  } else if (transferEncoding) {
    // A request whose final coding is not chunked has no determinable length (RFC 7230 3.3.3).
    return {Status::kBadRequest, "unsupported transfer-encoding"};
  } else if (auto len = parser.content_length()) {
    head.framing = BodyFraming::kContentLength;
    head.contentLength = *len;
  }
  head.keepAlive = parser.keep_alive();
  if (hasToken(connectionTokens, "close")) head.keepAlive = false;
  return {};
}

Http1RequestReader::HeadResult Http1RequestReader::parseHead(std::string_view bytes,
                                                             const CodecLimits& limits,
                                                             RequestHead& head) {
  HeadResult result;
  std::size_t len = scanHead(bytes, limits, result);
  if (result.status != Status::kOk) return result;
  if (len == 0) return {Status::kBadRequest, "incomplete head"};
  bhttp::request_parser<bhttp::buffer_body> parser;
  parser.header_limit(
      static_cast<std::uint32_t>(limits.maxRequestLineBytes + limits.maxHeaderBytes + 8));
  boost::system::error_code ec;
  parser.put(asio::buffer(bytes.data(), len), ec);
  if (ec || !parser.is_header_done()) {
    return {Status::kBadRequest, ec ? ec.message() : std::string("incomplete head")};
  }
  return fillHead(parser, head);
}

asio::awaitable<Http1RequestReader::HeadResult> Http1RequestReader::readHead(RequestHead& head) {
  parser_.emplace();
  parser_->header_limit(
      static_cast<std::uint32_t>(limits_.maxRequestLineBytes + limits_.maxHeaderBytes + 8));
  parser_->body_limit(boost::none);

  bool started = false;
  for (;;) {
    // Empty lines before a request-line are allowed (RFC 7230 3.5).
    std::string_view data = viewOf(buffer_);
    std::size_t skip = 0;
    while (skip + 1 < data.size() && data[skip] == '\r' && data[skip + 1] == '\n') skip += 2;
    if (skip > 0) buffer_.consume(skip);
    data = viewOf(buffer_);

    if (!data.empty()) {
      if (!started) {
        started = true;
        deadline_.arm(transport_.lowestLayer(), limits_.headerTimeout);
      }
      HeadResult result;
      std::size_t len = scanHead(data, limits_, result);
      if (result.status != Status::kOk) {
        deadline_.disarm();
        co_return result;
      }
      if (len > 0) {
        deadline_.disarm();
        boost::system::error_code ec;
        std::size_t used = parser_->put(asio::buffer(data.data(), len), ec);
        if (ec || !parser_->is_header_done()) {
          co_return HeadResult{Status::kBadRequest,
                               ec ? ec.message() : std::string("incomplete head")};
        }
        buffer_.consume(used);
        co_return fillHead(*parser_, head);
      }
    } else if (!started) {
      deadline_.arm(transport_.lowestLayer(), limits_.idleTimeout);
    }

    auto [ec, n] = co_await transport_.async_read_some(buffer_.prepare(kReadChunk),
                                                    asio::as_tuple(asio::use_awaitable));
    buffer_.commit(n);
    if (ec) {
      bool timedOut = deadline_.expired();
      deadline_.disarm();
      if (!started && buffer_.size() == 0) co_return HeadResult{Status::kClosed, ec.message()};
      if (timedOut) co_return HeadResult{Status::kTimeout, "header timeout"};
      co_return HeadResult{Status::kIoError, ec.message()};
    }
  }
}

asio::awaitable<Http1RequestReader::BodyResult> Http1RequestReader::readBody(char* out,
                                                                             std::size_t capacity) {
  BodyResult result;
  if (!parser_ || parser_->is_done()) {
    result.done = true;
    co_return result;
  }
  for (;;) {
    if (buffer_.size() > 0) {
      const BodyFeedStep step = feedBufferedBody(*parser_, buffer_, out, capacity);
      if (step.error) {
        result.failed = true;
        result.malformed = true;
        result.detail = step.error.message();
        co_return result;
      }
      result.bytes = step.bytes;
      result.done = step.done;
      if (result.bytes > 0 || result.done) co_return result;
      if (step.consumed > 0) continue;  // chunk framing consumed, maybe more decodable bytes
    }
    auto [ec, n] = co_await transport_.async_read_some(buffer_.prepare(kReadChunk),
                                                    asio::as_tuple(asio::use_awaitable));
    buffer_.commit(n);
    if (ec) {
      result.failed = true;
      result.detail = ec.message();
      co_return result;
    }
  }
}

std::string Http1RequestReader::takeBuffered() {
  auto d = buffer_.data();
  std::string bytes(static_cast<const char*>(d.data()), d.size());
  buffer_.consume(buffer_.size());
  return bytes;
}

}  // namespace portico::http
