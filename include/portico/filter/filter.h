// The filter interface: one instance per stream, plain synchronous calls (no coroutine
// frame per filter) so filters are testable without an io_context. All calls noexcept.
#pragma once

#include "portico/filter/filter_status.h"
#include "portico/filter/stream_context.h"
#include "portico/http/response_head.h"

namespace portico::filter {

class Filter {
 public:
  virtual ~Filter() = default;
  // The request head, in chain order.
  virtual FilterStatus decodeHeaders(StreamContext& ctx) noexcept = 0;
  // Called when the chain resumes after this filter stopped it with resumeAfter().
  virtual FilterStatus onResume(StreamContext&) noexcept { return FilterStatus::kContinue; }
  // The upstream response head, in reverse chain order, only for filters whose
  // decodeHeaders ran.
  virtual void encodeHeaders(StreamContext&, http::ResponseHead&) noexcept {}
  // Terminal call, once per stream, after the response was written or the stream reset.
  // The filter is destroyed after it.
  virtual void onComplete(StreamContext&) noexcept {}
};

}  // namespace portico::filter
