#include "portico/ratelimit/token_bucket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "portico/ratelimit/compiled_limit.h"

namespace portico::ratelimit {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kT0 = 1000 * kSec;  // an arbitrary steady-clock instant

BucketParams params(uint64_t rpu, config::RateLimit::Unit unit, uint64_t burst) {
  config::RateLimit limit;
  limit.requestsPerUnit = rpu;
  limit.unit = unit;
  limit.burst = burst;
  return CompiledLimit::bucketParams(limit);
}

int drain(TokenBucket& bucket, const BucketParams& p, uint64_t now) {
  int n = 0;
  while (bucket.tryConsume(p, now).admitted) ++n;
  return n;
}

TEST(TokenBucketTest, StartsFullWithRequestsPerUnitPlusBurst) {
  auto p = params(10, config::RateLimit::Unit::kSecond, 5);
  EXPECT_EQ(p.capacity, 15u);
  EXPECT_EQ(p.emissionNanos, 100 * kMs);
  TokenBucket bucket;
  auto first = bucket.tryConsume(p, kT0);
  EXPECT_TRUE(first.admitted);
  EXPECT_EQ(first.remaining, 14u);
  EXPECT_EQ(first.resetAfterNanos, 100 * kMs);
  EXPECT_EQ(drain(bucket, p, kT0), 14);
  auto rejected = bucket.tryConsume(p, kT0);
  EXPECT_FALSE(rejected.admitted);
  EXPECT_EQ(rejected.remaining, 0u);
  EXPECT_EQ(rejected.retryAfterNanos, 100 * kMs);
  EXPECT_EQ(rejected.resetAfterNanos, 1500 * kMs);
}

TEST(TokenBucketTest, RefillsContinuouslyOneTokenPerEmissionInterval) {
  auto p = params(10, config::RateLimit::Unit::kSecond, 0);
  TokenBucket bucket;
  EXPECT_EQ(drain(bucket, p, kT0), 10);
  EXPECT_FALSE(bucket.tryConsume(p, kT0 + 99 * kMs).admitted);
  auto r = bucket.tryConsume(p, kT0 + 99 * kMs);
  EXPECT_EQ(r.retryAfterNanos, 1 * kMs);
  EXPECT_TRUE(bucket.tryConsume(p, kT0 + 100 * kMs).admitted);
  EXPECT_FALSE(bucket.tryConsume(p, kT0 + 100 * kMs).admitted);
  // Half a second later: five more tokens, not a whole new window.
  EXPECT_EQ(drain(bucket, p, kT0 + 600 * kMs), 5);
}

TEST(TokenBucketTest, NeverHoldsMoreThanCapacityAfterIdling) {
  auto p = params(10, config::RateLimit::Unit::kSecond, 2);
  TokenBucket bucket;
  EXPECT_EQ(drain(bucket, p, kT0), 12);
  EXPECT_FALSE(bucket.idle(kT0 + kSec));
  EXPECT_TRUE(bucket.idle(kT0 + 1200 * kMs));
  EXPECT_EQ(drain(bucket, p, kT0 + 3600 * kSec), 12);
}

TEST(TokenBucketTest, SustainedRateEqualsRequestsPerUnit) {
  auto p = params(50, config::RateLimit::Unit::kSecond, 10);
  TokenBucket bucket;
  int admitted = 0;
  // 100 requests per second for 10 s: capacity up front, then 50 per second.
  for (uint64_t i = 0; i < 1000; ++i) admitted += bucket.tryConsume(p, kT0 + i * 10 * kMs).admitted;
  EXPECT_EQ(admitted, 60 + 499);
}

TEST(TokenBucketTest, UnitsSetTheEmissionInterval) {
  EXPECT_EQ(params(60, config::RateLimit::Unit::kMinute, 0).emissionNanos, kSec);
  EXPECT_EQ(params(2, config::RateLimit::Unit::kHour, 0).emissionNanos, 1800 * kSec);
  EXPECT_EQ(params(24, config::RateLimit::Unit::kDay, 0).emissionNanos, 3600 * kSec);
  EXPECT_EQ(params(3, config::RateLimit::Unit::kSecond, 0).emissionNanos, 333'333'333u);
  // Faster than one per nanosecond: clamped to one per nanosecond.
  EXPECT_EQ(params(5'000'000'000, config::RateLimit::Unit::kSecond, 0).emissionNanos, 1u);

  auto hourly = params(2, config::RateLimit::Unit::kHour, 1);
  TokenBucket bucket;
  EXPECT_EQ(drain(bucket, hourly, kT0), 3);
  auto r = bucket.tryConsume(hourly, kT0);
  EXPECT_EQ(r.retryAfterNanos, 1800 * kSec);
  EXPECT_TRUE(bucket.tryConsume(hourly, kT0 + 1800 * kSec).admitted);
}

TEST(TokenBucketTest, HugeBurstSaturatesInsteadOfOverflowing) {
  auto p = params(1, config::RateLimit::Unit::kDay, UINT64_MAX - 10);
  EXPECT_GT(p.capacity, 1000u);
  EXPECT_LE(p.capacity * p.emissionNanos, uint64_t{1} << 62);
  TokenBucket bucket;
  EXPECT_TRUE(bucket.tryConsume(p, kT0).admitted);
}

TEST(TokenBucketTest, PeekDoesNotConsume) {
  auto p = params(2, config::RateLimit::Unit::kSecond, 0);
  TokenBucket bucket;
  EXPECT_EQ(bucket.peek(p, kT0).remaining, 2u);
  EXPECT_EQ(bucket.peek(p, kT0).remaining, 2u);
  bucket.tryConsume(p, kT0);
  EXPECT_EQ(bucket.peek(p, kT0).remaining, 1u);
}

TEST(TokenBucketTest, ConcurrentConsumersNeverOverAdmit) {
  auto p = params(1000, config::RateLimit::Unit::kSecond, 234);
  TokenBucket bucket;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) admitted += bucket.tryConsume(p, kT0).admitted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1234);
}

}  // namespace
}  // namespace portico::ratelimit
