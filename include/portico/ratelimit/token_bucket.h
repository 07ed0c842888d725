// One continuously refilled token bucket, lock-free, shared by every worker thread.
//
// The state is a single atomic "theoretical arrival time" (GCRA): `tat` is the instant at
// which the bucket will be full again. A bucket of capacity C refilled one token every T
// nanoseconds holds (C*T - max(0, tat - now)) / T tokens at `now`; taking a token moves tat
// forward by T. This is exactly a token bucket with continuous refill, but the whole state
// fits in one 64-bit word, so tryConsume() is one CAS loop and a bucket with tat <= now is
// indistinguishable from a brand-new one (which is what makes idle expiry lossless).
// Time is injected (steady_clock nanoseconds) so tests are deterministic.
#pragma once

#include <atomic>
#include <cstdint>

namespace portico::ratelimit {

struct BucketParams {
  uint64_t capacity = 1;       // requestsPerUnit + burst
  uint64_t emissionNanos = 1;  // unit / requestsPerUnit: one token every this many ns (>= 1)
  uint64_t requestsPerUnit = 1;

  uint64_t depthNanos() const { return capacity * emissionNanos; }
};

struct BucketOutcome {
  bool admitted = false;
  uint64_t remaining = 0;        // whole tokens left after this request
  uint64_t resetAfterNanos = 0;  // until the bucket is full again
  uint64_t retryAfterNanos = 0;  // when rejected: until one token is available
};

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;

  // Takes one token if one is available at `nowNanos`.
  BucketOutcome tryConsume(const BucketParams& params, uint64_t nowNanos) noexcept;
  // The state at `nowNanos` without taking anything (remaining is what a request would see
  // before consuming).
  BucketOutcome peek(const BucketParams& params, uint64_t nowNanos) const noexcept;
  // True when the bucket is full at `nowNanos`: forgetting it loses nothing.
  bool idle(uint64_t nowNanos) const noexcept {
    return tat_.load(std::memory_order_relaxed) <= nowNanos;
  }
  uint64_t theoreticalArrival() const noexcept { return tat_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> tat_{0};
};

// steady_clock in nanoseconds, the time base of every bucket.
uint64_t steadyNowNanos() noexcept;

}  // namespace portico::ratelimit
