// What a filter sees of its stream: the request head, the pinned snapshot, the shared
// per-request state, and the few actions a filter may take. Implemented by core::Stream
// on the data plane and by a fake in the filter unit tests (no I/O).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "portico/filter/stream_state.h"
#include "portico/http/request_head.h"
#include "portico/route/snapshot.h"

namespace portico::filter {

class StreamContext {
 public:
  virtual ~StreamContext() = default;

  virtual http::RequestHead& request() = 0;
  virtual StreamState& state() = 0;
  // The snapshot this stream pinned when it opened; valid for the stream's life.
  virtual const route::Snapshot& snapshot() const = 0;
  // Uniform random 32-bit value (fault percentages, weighted picks, load balancing).
  virtual uint32_t random() = 0;
  // Records a reply the stream will write instead of going upstream; the filter that calls
  // it returns kStopIteration. Only the first reply counts.
  virtual void sendLocalReply(http::LocalReply reply, std::string_view responseFlag) = 0;
  // The chain, stopped by the calling filter, is resumed after `delay`: the stopped
  // filter's onResume() runs first, then the next filters.
  virtual void resumeAfter(std::chrono::milliseconds delay) = 0;
};

}  // namespace portico::filter
