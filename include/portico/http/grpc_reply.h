// gRPC clients read a call's outcome from grpc-status, not from the HTTP status: a local
// reply (no route, rate limited, upstream timeout) to a gRPC request is sent as a
// "trailers-only" response, HTTP 200 with grpc-status and grpc-message in one HEADERS
// frame, as Envoy does. The mapping follows gRPC's doc/http-grpc-status-mapping.md.
#pragma once

#include <cstdint>
#include <string_view>

#include "portico/http/local_reply.h"
#include "portico/http/request_head.h"

namespace portico::http {

// RFC-free but stable: gRPC's status codes we produce.
enum class GrpcStatus : uint32_t {
  kUnknown = 2,
  kDeadlineExceeded = 4,
  kPermissionDenied = 7,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kUnauthenticated = 16,
};

// content-type application/grpc, application/grpc+proto, application/grpc-web...
bool isGrpcRequest(const RequestHead& request);

// The gRPC status a client sees for a local reply of HTTP `status`.
GrpcStatus grpcStatusForHttp(unsigned status);

// Rewrites `reply` into a trailers-only gRPC response carrying `status` and the reply's
// body as grpc-message (percent-encoded as the gRPC spec asks).
void makeGrpcReply(LocalReply& reply, GrpcStatus status);

}  // namespace portico::http
