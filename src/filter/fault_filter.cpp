#include "portico/filter/fault_filter.h"

#include "portico/http/grpc_reply.h"
#include "portico/http/local_reply.h"

namespace portico::filter {
namespace {

bool roll(StreamContext& ctx, uint32_t perMillion) {
  if (perMillion >= 1000000) return true;
  if (perMillion == 0) return false;
  return ctx.random() % 1000000 < perMillion;
}

}  // namespace

FilterStatus FaultFilter::decodeHeaders(StreamContext& ctx) noexcept {
  const route::Route* route = ctx.state().route();
  if (!route || !route->fault) return FilterStatus::kContinue;
  const route::FaultPolicy& fault = *route->fault;
  bool abortNow =
      (fault.abortStatus != 0 || fault.abortGrpcStatus) && roll(ctx, fault.abortPerMillion);
  if (fault.delay && roll(ctx, fault.delayPerMillion)) {
    abortAfterDelay_ = abortNow;
    ctx.state().addFlag("DI");
    ctx.resumeAfter(*fault.delay);
    return FilterStatus::kStopIteration;
  }
  if (abortNow) return abort(ctx);
  return FilterStatus::kContinue;
}

FilterStatus FaultFilter::onResume(StreamContext& ctx) noexcept {
  if (abortAfterDelay_) return abort(ctx);
  return FilterStatus::kContinue;
}

FilterStatus FaultFilter::abort(StreamContext& ctx) noexcept {
  const route::FaultPolicy& fault = *ctx.state().route()->fault;
  http::LocalReply reply = http::makeLocalReply(
      fault.abortStatus != 0 ? fault.abortStatus : 503, "fault filter abort");
  // Envoy answers a gRPC abort as trailers-only with that status, whatever the client sent.
  if (fault.abortGrpcStatus) {
    http::makeGrpcReply(reply, static_cast<http::GrpcStatus>(*fault.abortGrpcStatus));
  }
  ctx.sendLocalReply(std::move(reply), "FI");
  return FilterStatus::kStopIteration;
}

}  // namespace portico::filter
