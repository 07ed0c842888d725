#include "portico/ratelimit/keyed_buckets.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace portico::ratelimit {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kT0 = 1'000'000 * kMs;

BucketParams twoPerSecond() {
  BucketParams p;
  p.requestsPerUnit = 2;
  p.capacity = 2;
  p.emissionNanos = 500 * kMs;
  return p;
}

TEST(KeyedBucketsTest, EachKeyHasItsOwnBucket) {
  KeyedBuckets buckets;
  auto p = twoPerSecond();
  EXPECT_TRUE(buckets.tryConsume("10.0.0.1", p, kT0).admitted);
  EXPECT_TRUE(buckets.tryConsume("10.0.0.1", p, kT0).admitted);
  EXPECT_FALSE(buckets.tryConsume("10.0.0.1", p, kT0).admitted);
  EXPECT_TRUE(buckets.tryConsume("10.0.0.2", p, kT0).admitted);
  EXPECT_EQ(buckets.size(), 2u);
}

TEST(KeyedBucketsTest, SweepDropsOnlyFullBuckets) {
  KeyedBuckets buckets;
  auto p = twoPerSecond();
  buckets.tryConsume("a", p, kT0);              // full again at +500 ms
  buckets.tryConsume("b", p, kT0 + 400 * kMs);  // full again at +900 ms
  EXPECT_EQ(buckets.sweep(kT0 + 499 * kMs), 0u);
  EXPECT_EQ(buckets.sweep(kT0 + 500 * kMs), 1u);
  EXPECT_EQ(buckets.size(), 1u);
  // "b" kept its state: one token used, one left.
  EXPECT_EQ(buckets.tryConsume("b", p, kT0 + 500 * kMs).remaining, 0u);
  EXPECT_EQ(buckets.sweep(kT0 + 10'000 * kMs), 1u);
  EXPECT_EQ(buckets.size(), 0u);
}

TEST(KeyedBucketsTest, ExpiredKeyRestartsWithAFullBucket) {
  KeyedBuckets buckets;
  auto p = twoPerSecond();
  buckets.tryConsume("a", p, kT0);
  buckets.tryConsume("a", p, kT0);
  buckets.sweep(kT0 + 5000 * kMs);
  auto r = buckets.tryConsume("a", p, kT0 + 5000 * kMs);
  EXPECT_TRUE(r.admitted);
  EXPECT_EQ(r.remaining, 1u);
}

TEST(KeyedBucketsTest, AFloodOfDistinctKeysStaysUnderTheCap) {
  KeyedBuckets buckets(KeyedBuckets::kShards * 16);
  auto p = twoPerSecond();
  // All at one instant, so no bucket is idle: the cap must hold by eviction.
  for (int i = 0; i < 50'000; ++i) {
    EXPECT_TRUE(buckets.tryConsume("198.51.100." + std::to_string(i), p, kT0).admitted);
  }
  EXPECT_LE(buckets.size(), buckets.maxKeys());
  EXPECT_EQ(buckets.maxKeys(), KeyedBuckets::kShards * 16);
  EXPECT_GT(buckets.evictions(), 0u);
  // Later, idle buckets make room without evicting busy ones.
  uint64_t evictions = buckets.evictions();
  for (int i = 0; i < 300; ++i)
    buckets.tryConsume("203.0.113." + std::to_string(i), p, kT0 + 5000 * kMs);
  EXPECT_EQ(buckets.evictions(), evictions);
  EXPECT_LE(buckets.size(), buckets.maxKeys());
}

TEST(KeyedBucketsTest, LongKeysAreStoredAsADigest) {
  std::string longKey(1000, 'k');
  std::string normalized = normalizeBucketKey(longKey);
  EXPECT_EQ(normalized.rfind("sha256:", 0), 0u);
  EXPECT_EQ(normalized.size(), 7u + 64u);
  EXPECT_EQ(normalizeBucketKey("short"), "short");
  KeyedBuckets buckets;
  auto p = twoPerSecond();
  buckets.tryConsume(longKey, p, kT0);
  buckets.tryConsume(longKey, p, kT0);
  EXPECT_FALSE(buckets.tryConsume(longKey, p, kT0).admitted);
  EXPECT_TRUE(buckets.tryConsume(std::string(999, 'k'), p, kT0).admitted);
}

TEST(KeyedBucketsTest, ConcurrentWorkersShareOneBucketPerKey) {
  KeyedBuckets buckets;
  BucketParams p;
  p.requestsPerUnit = 100;
  p.capacity = 100;
  p.emissionNanos = 10 * kMs;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        admitted += buckets.tryConsume("key" + std::to_string(i % 10), p, kT0).admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 10 * 100);
}

}  // namespace
}  // namespace portico::ratelimit
