// The ordered filters of one stream and the resume point of a paused chain (HAProxy's
// stored resume point). Built per stream by makeDefault(); the order is listed there once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "portico/filter/filter.h"

namespace portico::ratelimit {
class RedisRateLimiter;
}

namespace portico::filter {

class FilterChain {
 public:
  explicit FilterChain(std::vector<std::unique_ptr<Filter>> filters)
      : filters_(std::move(filters)) {}

  // route match -> fault -> redirect/direct response -> rewrite -> header mutation ->
  // weighted destination -> rate limit -> router.
  static FilterChain makeDefault();
  // The data plane's chain: the rate-limit filter gets the worker's Redis limiter (may be
  // null: Redis-backed limits are then enforced locally) and the downstream peer's IP.
  static FilterChain makeDefault(ratelimit::RedisRateLimiter* redis, std::string clientAddress);

  // Runs decodeHeaders from the start. kContinue: every filter continued.
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept;
  // Continues a chain stopped by resumeAfter(): the stopped filter's onResume(), then on.
  FilterStatus resume(StreamContext& ctx) noexcept;
  // Response head through the filters that ran, last first.
  void encodeHeaders(StreamContext& ctx, http::ResponseHead& head) noexcept;
  // Terminal call to every filter that ran.
  void onComplete(StreamContext& ctx) noexcept;

  std::size_t size() const { return filters_.size(); }

 private:
  FilterStatus runFrom(std::size_t index, StreamContext& ctx) noexcept;

  std::vector<std::unique_ptr<Filter>> filters_;
  std::size_t stoppedAt_ = 0;  // index of the filter that stopped the chain
  std::size_t ran_ = 0;        // filters whose decodeHeaders ran
  bool completed_ = false;
};

}  // namespace portico::filter
