// GCC 12 at -O2 reports boost::optional inside Beast's basic_parser as maybe-uninitialized
// (a known false positive); it is not in our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "portico/http/http1_response_reader.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

#include "portico/http/buffered_body_feed.h"

namespace portico::http {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::uint32_t kMaxResponseHead = 96 * 1024;

bool isHopByHop(std::string_view n) {
  return n == "connection" || n == "keep-alive" || n == "proxy-connection" || n == "te" ||
         n == "transfer-encoding" || n == "upgrade" || n == "content-length" || n == "trailer";
}

}  // namespace

Http1ResponseReader::HeadResult Http1ResponseReader::fillHead(
    const bhttp::response_parser<bhttp::buffer_body>& parser, ResponseHead& head) {
  const auto& msg = parser.get();
  head = ResponseHead{};
  head.status = msg.result_int();
  head.reason.assign(msg.reason().data(), msg.reason().size());
  head.version = msg.version();
  std::string connectionTokens;
  for (const auto& field : msg) {
    std::string name =
        toLower(std::string_view(field.name_string().data(), field.name_string().size()));
    std::string_view value(field.value().data(), field.value().size());
    if (name == "connection") {
      if (!connectionTokens.empty()) connectionTokens += ',';
      connectionTokens.append(value);
    }
    if (!isHopByHop(name)) head.headers.add(name, value);
  }
  std::size_t pos = 0;
  while (!connectionTokens.empty() && pos <= connectionTokens.size()) {
    std::size_t comma = connectionTokens.find(',', pos);
    if (comma == std::string::npos) comma = connectionTokens.size();
    std::string_view t(connectionTokens.data() + pos, comma - pos);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (!t.empty()) head.headers.remove(toLower(t));
    pos = comma + 1;
  }
  if (parser.chunked()) {
    head.framing = BodyFraming::kChunked;
  } else if (auto len = parser.content_length()) {
    head.framing = BodyFraming::kContentLength;
    head.contentLength = *len;
  } else if (!parser.is_done()) {
    head.framing = BodyFraming::kChunked;  // re-framed downstream
    head.closeDelimited = true;
  }
  head.keepAlive = parser.keep_alive() && !head.closeDelimited;
  return {};
}

Http1ResponseReader::HeadResult Http1ResponseReader::parseHead(std::string_view bytes,
                                                               ResponseHead& head) {
  bhttp::response_parser<bhttp::buffer_body> parser;
  boost::system::error_code ec;
  parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec && ec != bhttp::error::need_buffer) return {{}, true, false, ec.message()};
  if (!parser.is_header_done()) return {{}, true, false, "incomplete head"};
  return fillHead(parser, head);
}

asio::awaitable<Http1ResponseReader::HeadResult> Http1ResponseReader::readHead(ResponseHead& head,
                                                                               bool headRequest) {
  bool anyBytes = buffer_.size() > 0;
  for (;;) {
    parser_.emplace();
    parser_->header_limit(kMaxResponseHead);
    parser_->body_limit(boost::none);
    if (headRequest) parser_->skip(true);
    for (;;) {
      if (buffer_.size() > 0) {
        boost::system::error_code ec;
        std::size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec && ec != bhttp::error::need_more) {
          co_return HeadResult{{}, true, false, ec.message()};
        }
        if (parser_->is_header_done()) break;
      }
      auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kReadChunk),
                                                      asio::as_tuple(asio::use_awaitable));
      buffer_.commit(n);
      if (n > 0) anyBytes = true;
      if (ec) co_return HeadResult{ec, false, !anyBytes, ec.message()};
    }
    unsigned status = parser_->get().result_int();
    if (status >= 100 && status < 200 && status != 101) continue;  // interim: skip
    co_return fillHead(*parser_, head);
  }
}

asio::awaitable<Http1ResponseReader::BodyResult> Http1ResponseReader::readBody(
    char* out, std::size_t capacity) {
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
        result.detail = step.error.message();
        co_return result;
      }
      result.bytes = step.bytes;
      result.done = step.done;
      if (result.bytes > 0 || result.done) co_return result;
      if (step.consumed > 0) continue;  // chunk framing consumed, maybe more decodable bytes
    }
    auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kReadChunk),
                                                    asio::as_tuple(asio::use_awaitable));
    buffer_.commit(n);
    if (ec == asio::error::eof) {
      // A close-delimited body ends here; put_eof reports a truncated one.
      boost::system::error_code eofEc;
      parser_->put_eof(eofEc);
      if (eofEc) {
        result.failed = true;
        result.detail = eofEc.message();
      } else {
        result.done = true;
      }
      co_return result;
    }
    if (ec) {
      result.failed = true;
      result.detail = ec.message();
      co_return result;
    }
  }
}

std::string Http1ResponseReader::takeBuffered() {
  auto d = buffer_.data();
  std::string bytes(static_cast<const char*>(d.data()), d.size());
  buffer_.consume(buffer_.size());
  return bytes;
}

}  // namespace portico::http
