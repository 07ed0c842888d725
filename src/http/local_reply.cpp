#include "portico/http/local_reply.h"

#include <boost/beast/http/status.hpp>
#include <ostream>

namespace portico::http {

std::string_view reasonPhrase(unsigned status) {
  auto s = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  if (s.empty() || s.front() == '<') return "Unknown";  // Beast: "<unknown-status>"
  return std::string_view(s.data(), s.size());
}

LocalReply makeLocalReply(unsigned status, std::string_view body) {
  LocalReply reply;
  reply.head.status = status;
  reply.body.assign(body);
  if (!body.empty()) reply.head.headers.add("content-type", "text/plain");
  reply.head.framing = BodyFraming::kContentLength;
  reply.head.contentLength = body.size();
  return reply;
}

}  // namespace portico::http
