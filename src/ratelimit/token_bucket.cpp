#include "portico/ratelimit/token_bucket.h"

#include <algorithm>
#include <chrono>

namespace portico::ratelimit {

BucketOutcome TokenBucket::tryConsume(const BucketParams& params, uint64_t nowNanos) noexcept {
  const uint64_t depth = params.depthNanos();
  uint64_t old = tat_.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t tat = std::max(old, nowNanos);
    uint64_t next = tat + params.emissionNanos;
    uint64_t ahead = next - nowNanos;
    if (ahead > depth) {
      BucketOutcome out;
      out.retryAfterNanos = ahead - depth;
      out.resetAfterNanos = tat - nowNanos;
      return out;
    }
    if (tat_.compare_exchange_weak(old, next, std::memory_order_relaxed)) {
      BucketOutcome out;
      out.admitted = true;
      out.remaining = (depth - ahead) / params.emissionNanos;
      out.resetAfterNanos = ahead;
      return out;
    }
  }
}

BucketOutcome TokenBucket::peek(const BucketParams& params, uint64_t nowNanos) const noexcept {
  uint64_t tat = std::max(tat_.load(std::memory_order_relaxed), nowNanos);
  uint64_t ahead = tat - nowNanos;
  BucketOutcome out;
  out.admitted = ahead + params.emissionNanos <= params.depthNanos();
  out.remaining =
      (params.depthNanos() - std::min(ahead, params.depthNanos())) / params.emissionNanos;
  out.resetAfterNanos = ahead;
  if (!out.admitted) out.retryAfterNanos = ahead + params.emissionNanos - params.depthNanos();
  return out;
}

uint64_t steadyNowNanos() noexcept {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace portico::ratelimit
