#include "portico/http/http1_serializer.h"

#include <charconv>

#include "portico/http/local_reply.h"

namespace portico::http {
namespace {

void appendNumber(uint64_t v, std::string& out, int base = 10) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v, base);
  out.append(buf, r.ptr);
}

void appendHeaders(const HeaderMap& headers, std::string& out) {
  for (const auto& e : headers.entries()) {
    out.append(e.name).append(": ").append(e.value).append("\r\n");
  }
}

void appendFraming(BodyFraming framing, uint64_t length, std::string& out) {
  if (framing == BodyFraming::kContentLength) {
    out.append("content-length: ");
    appendNumber(length, out);
    out.append("\r\n");
  } else if (framing == BodyFraming::kChunked) {
    out.append("transfer-encoding: chunked\r\n");
  }
}

}  // namespace

void appendRequestHead(const RequestHead& head, std::string& out) {
  out.append(head.method).append(" ").append(head.path);
  if (head.hasQuery) out.append("?").append(head.query);
  out.append(" HTTP/1.1\r\nhost: ").append(head.authority).append("\r\n");
  appendHeaders(head.headers, out);
  appendFraming(head.framing, head.contentLength, out);
  out.append("\r\n");
}

void appendResponseHead(const ResponseHead& head, unsigned version, bool close, std::string& out) {
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  appendNumber(head.status, out);
  out.append(" ");
  out.append(head.reason.empty() ? reasonPhrase(head.status) : std::string_view(head.reason));
  out.append("\r\n");
  appendHeaders(head.headers, out);
  appendFraming(head.framing, head.contentLength, out);
  if (close) {
    out.append("connection: close\r\n");
  } else if (version == 10) {
    out.append("connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void appendChunk(std::string_view data, std::string& out) {
  if (data.empty()) return;
  appendNumber(data.size(), out, 16);
  out.append("\r\n").append(data).append("\r\n");
}

void appendLastChunk(std::string& out) { out.append("0\r\n\r\n"); }

}  // namespace portico::http
