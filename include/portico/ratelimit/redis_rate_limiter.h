// Distributed enforcement for one worker: limits whose RateLimitConfig has backend.redis
// are decided by a GCRA token bucket kept in Redis (one atomic Lua script, Redis's own
// clock, so every replica sees the same bucket). One instance per worker io_context, used
// only from that thread; it owns one RedisClient per Redis address.
//
// Round-trips are avoided where accuracy allows:
//  - a request arriving while a call for the same bucket is in flight joins it (the call
//    asks for all waiters' tokens at once);
//  - the script may grant a lease: up to `leaseWindow` worth of the limit's rate taken in
//    one call and spent locally within `leaseTtl` (unspent tokens go back to Redis);
//    at 50 rps and the default 10 ms window the lease is 1 token, i.e. no lease;
//  - once Redis says a bucket is empty it also says when the next token appears; until
//    then requests are rejected locally (no other replica can get a token earlier).
// None of these can admit more than Redis granted, so replicas never over-admit together.
// While Redis is down or slower than `timeout`, the backend's failureMode decides.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "portico/config/rate_limit_config.h"
#include "portico/ratelimit/compiled_limit.h"
#include "portico/ratelimit/rate_limit_metrics.h"
#include "portico/ratelimit/redis_client.h"
#include "portico/ratelimit/token_bucket.h"

namespace portico::ratelimit {

struct RedisOutcome {
  BucketOutcome bucket;
  bool failureMode = false;  // decided by failureMode, not by Redis
};

class RedisRateLimiter {
 public:
  struct Options {
    std::chrono::milliseconds leaseWindow{10};
    std::chrono::milliseconds leaseTtl{100};
    std::size_t maxEntries = 65536;  // local per-bucket entries on this worker
    RedisClient::Options client;     // host/port are taken from each backend's address
  };
  using Callback = std::function<void(const RedisOutcome&)>;

  RedisRateLimiter(boost::asio::io_context& io, RedisMetrics& metrics, Options options);
  RedisRateLimiter(boost::asio::io_context& io, RedisMetrics& metrics)
      : RedisRateLimiter(io, metrics, Options()) {}
  ~RedisRateLimiter();
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  // One request against `limit`'s bucket for `key` (nullopt: the shared bucket of requests
  // without the key header). Returns the outcome when known at once (lease, deny cache,
  // Redis unreachable); otherwise nullopt and `done` runs later on the io_context, at most
  // `backend.timeout` from now.
  std::optional<RedisOutcome> acquire(const CompiledLimit& limit,
                                      std::optional<std::string_view> key,
                                      const config::RedisRateLimitBackend& backend, Callback done);

  // Opens the connection to `address` ahead of the first request.
  void warmUp(const std::string& address);
  // True while the connection to `address` is up.
  bool connected(const std::string& address) const;

  std::size_t entries() const { return entries_.size(); }

  // The GCRA script and its SHA-1 (EVALSHA, EVAL on NOSCRIPT).
  static const std::string& script();
  static const std::string& scriptSha();

 private:
  struct Waiter {
    Callback done;
  };
  struct Entry {
    uint64_t leaseTokens = 0;
    uint64_t leaseSize = 0;  // tokens the last call asked for beyond its waiters
    std::chrono::steady_clock::time_point leaseExpires{};
    std::chrono::steady_clock::time_point deniedUntil{};
    BucketOutcome last;  // Redis's view after the last reply
    bool inFlight = false;
    std::vector<Waiter> waiters;
    // Parameters of the last call, to send the next one without the CompiledLimit.
    BucketParams params;
    std::string address;
    config::RedisRateLimitBackend::FailureMode failureMode{};
    std::chrono::milliseconds timeout{50};
  };

  RedisClient* client(const std::string& address);
  // False (nothing sent) when not connected or past `deadline`.
  bool send(const std::string& redisKey, Entry& entry, bool useEval,
            std::chrono::steady_clock::time_point deadline);
  void onReply(const std::string& redisKey, const redisReply* reply,
               std::chrono::steady_clock::time_point deadline, bool wasEval, uint64_t want);
  void failWaiters(Entry& entry);
  void returnLease(const std::string& redisKey, Entry& entry);
  bool makeRoom();
  static RedisOutcome failureOutcome(config::RedisRateLimitBackend::FailureMode mode);
  uint64_t leaseSize(const BucketParams& params) const;

  boost::asio::io_context& io_;
  RedisMetrics& metrics_;
  Options options_;
  std::map<std::string, std::unique_ptr<RedisClient>, std::less<>> clients_;
  std::unordered_map<std::string, Entry> entries_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "portico:rl:{<limit identity>}:<key>" (the braces keep one limit's keys on one cluster slot).
std::string redisBucketKey(const LimitState& state, std::optional<std::string_view> key);

}  // namespace portico::ratelimit
