#include "portico/http/grpc_reply.h"

#include <string>

namespace portico::http {

bool isGrpcRequest(const RequestHead& request) {
  auto type = request.headers.get("content-type");
  return type && type->starts_with("application/grpc");
}

GrpcStatus grpcStatusForHttp(unsigned status) {
  switch (status) {
    case 400:
      return GrpcStatus::kInternal;
    case 401:
      return GrpcStatus::kUnauthenticated;
    case 403:
      return GrpcStatus::kPermissionDenied;
    case 404:
      return GrpcStatus::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus::kUnavailable;
    default:
      return GrpcStatus::kUnknown;
  }
}

namespace {

// gRPC's Percent-Encoded: printable ASCII except '%' passes, the rest is %XX.
std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace

void makeGrpcReply(LocalReply& reply, GrpcStatus status) {
  const unsigned httpStatus = reply.head.status;
  std::string message = percentEncode(reply.body.empty() ? reasonPhrase(httpStatus) : reply.body);
  reply.head.status = 200;
  reply.head.reason.clear();
  reply.head.headers.remove("content-type");
  reply.head.headers.remove("content-length");
  reply.head.headers.set("content-type", "application/grpc");
  reply.head.headers.set("grpc-status", std::to_string(static_cast<uint32_t>(status)));
  reply.head.headers.set("grpc-message", message);
  reply.head.framing = BodyFraming::kContentLength;
  reply.head.contentLength = 0;
  reply.body.clear();
}

}  // namespace portico::http
