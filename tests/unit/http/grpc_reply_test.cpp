#include "portico/http/grpc_reply.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(GrpcReply, RecognisesEveryGrpcContentType) {
  RequestHead request;
  EXPECT_FALSE(isGrpcRequest(request));
  request.headers.add("content-type", "application/grpc");
  EXPECT_TRUE(isGrpcRequest(request));
  request.headers.set("content-type", "application/grpc+proto");
  EXPECT_TRUE(isGrpcRequest(request));
  request.headers.set("content-type", "application/json");
  EXPECT_FALSE(isGrpcRequest(request));
}

TEST(GrpcReply, MapsHttpStatusesAsGrpcDocumentsThem) {
  EXPECT_EQ(grpcStatusForHttp(400), GrpcStatus::kInternal);
  EXPECT_EQ(grpcStatusForHttp(401), GrpcStatus::kUnauthenticated);
  EXPECT_EQ(grpcStatusForHttp(403), GrpcStatus::kPermissionDenied);
  EXPECT_EQ(grpcStatusForHttp(404), GrpcStatus::kUnimplemented);
  EXPECT_EQ(grpcStatusForHttp(429), GrpcStatus::kUnavailable);
  EXPECT_EQ(grpcStatusForHttp(503), GrpcStatus::kUnavailable);
  EXPECT_EQ(grpcStatusForHttp(504), GrpcStatus::kUnavailable);
  EXPECT_EQ(grpcStatusForHttp(500), GrpcStatus::kUnknown);
}

TEST(GrpcReply, BecomesTrailersOnlyWithTheBodyAsMessage) {
  LocalReply reply = makeLocalReply(504, "upstream request timeout");
  makeGrpcReply(reply, GrpcStatus::kDeadlineExceeded);
  EXPECT_EQ(reply.head.status, 200u);
  EXPECT_EQ(reply.head.headers.get("content-type"), "application/grpc");
  EXPECT_EQ(reply.head.headers.get("grpc-status"), "4");
  EXPECT_EQ(reply.head.headers.get("grpc-message"), "upstream request timeout");
  EXPECT_TRUE(reply.body.empty());
}

TEST(GrpcReply, MessageIsPercentEncoded) {
  LocalReply reply = makeLocalReply(503, "50% down\n");
  makeGrpcReply(reply, GrpcStatus::kUnavailable);
  EXPECT_EQ(reply.head.headers.get("grpc-message"), "50%25 down%0A");
}

}  // namespace
}  // namespace portico::http
