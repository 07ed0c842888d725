// Rate limiting in the chain (after weighted destination, before the router). The
// policies come from the pinned snapshot (Snapshot::rateLimits): those targeting the
// matched route's VirtualService and those targeting a Gateway bound to the listener.
// Every limit whose match fits applies; the request passes only if all admit it. A
// rejection answers 429 with retry-after and x-ratelimit-*; an admitted request carries
// x-ratelimit-* on its response. Redis-backed limits may stop the chain until the
// worker's RedisRateLimiter answers (never longer than the backend timeout), then the
// chain resumes through StreamContext::resumeAfter(0).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "portico/filter/filter.h"
#include "portico/ratelimit/rate_limit_decision.h"

namespace portico::ratelimit {
class RedisRateLimiter;
}

namespace portico::filter {

class RateLimitFilter final : public Filter {
 public:
  // No Redis limiter and no client address: Redis-backed policies are enforced locally and
  // remoteAddress keys all fall into one bucket. The data plane should use the other one.
  RateLimitFilter() = default;
  // `redis`: the worker's limiter (lives as long as the worker); `clientAddress`: the
  // downstream peer's IP as text, the remoteAddress key.
  RateLimitFilter(ratelimit::RedisRateLimiter* redis, std::string clientAddress)
      : redis_(redis), clientAddress_(std::move(clientAddress)) {}
  ~RateLimitFilter() override;

  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
  FilterStatus onResume(StreamContext& ctx) noexcept override;
  void encodeHeaders(StreamContext& ctx, http::ResponseHead& head) noexcept override;
  void onComplete(StreamContext& ctx) noexcept override;

 private:
  // Shared with pending Redis callbacks; `ctx` is cleared when the stream ends first.
  struct Pending {
    StreamContext* ctx = nullptr;
    ratelimit::RateLimitDecision decision;
    std::size_t outstanding = 0;
    bool answered = false;
  };
  FilterStatus conclude(StreamContext& ctx, const ratelimit::RateLimitDecision& decision);

  ratelimit::RedisRateLimiter* redis_ = nullptr;
  std::string clientAddress_;
  std::shared_ptr<Pending> pending_;
  std::optional<ratelimit::RateLimitDecision> decision_;
};

}  // namespace portico::filter
