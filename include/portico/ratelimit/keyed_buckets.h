// The buckets of one keyed limit (key: remoteAddress or a header): key -> TokenBucket in
// 64 shards, each a small map behind its own mutex. A request locks only its key's shard,
// for the map lookup and one bucket update (tens of nanoseconds), so workers contend only
// when they hit the same shard at the same instant; there is no global lock.
//
// Memory bound: at most `maxKeys` buckets live at once (each shard holds maxKeys/64).
// A bucket whose tat <= now is full, i.e. identical to a fresh one, so dropping it loses
// no state: a shard that reaches its cap first sweeps such idle buckets; if every bucket is
// still busy it evicts the eighth closest to full (an evicted key restarts with a full
// bucket, which can only over-admit that key by what it had already used). Keys longer
// than kMaxKeyBytes are stored as a SHA-256 digest, so one entry costs at most about
// kMaxKeyBytes + 96 bytes and the whole map at most maxKeys * (kMaxKeyBytes + 96).
// Owned by the RateLimitRegistry's per-limit state; shared by all workers.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/ratelimit/token_bucket.h"

namespace portico::ratelimit {

class KeyedBuckets {
 public:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kMaxKeyBytes = 128;
  static constexpr std::size_t kDefaultMaxKeys = 65536;

  explicit KeyedBuckets(std::size_t maxKeys = kDefaultMaxKeys);
  KeyedBuckets(const KeyedBuckets&) = delete;
  KeyedBuckets& operator=(const KeyedBuckets&) = delete;

  BucketOutcome tryConsume(std::string_view key, const BucketParams& params,
                           uint64_t nowNanos) noexcept;
  // Drops every idle (full) bucket; the data plane need not call it (shards sweep
  // themselves when full), but a periodic sweep returns memory after a flood.
  std::size_t sweep(uint64_t nowNanos);

  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::size_t maxKeys() const { return perShard_ * kShards; }
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Shard {
    std::mutex mutex;
    // Updated under the shard lock, so the bucket's CAS never retries here.
    std::unordered_map<std::string, TokenBucket, Hash, std::equal_to<>> buckets;
  };
  // Makes room in a full shard; called with its lock held.
  void makeRoom(Shard& shard, uint64_t nowNanos);

  std::size_t perShard_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> size_{0};
  std::atomic<uint64_t> evictions_{0};
};

// The key as stored: itself, or "sha256:<hex>" when longer than KeyedBuckets::kMaxKeyBytes.
std::string normalizeBucketKey(std::string_view key);

}  // namespace portico::ratelimit
