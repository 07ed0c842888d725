#include "portico/ratelimit/keyed_buckets.h"

#include <openssl/sha.h>

#include <algorithm>
#include <vector>

namespace portico::ratelimit {

std::string normalizeBucketKey(std::string_view key) {
  if (key.size() <= KeyedBuckets::kMaxKeyBytes) return std::string(key);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

KeyedBuckets::KeyedBuckets(std::size_t maxKeys)
    : perShard_(std::max<std::size_t>(1, (maxKeys + kShards - 1) / kShards)) {}

BucketOutcome KeyedBuckets::tryConsume(std::string_view rawKey, const BucketParams& params,
                                       uint64_t nowNanos) noexcept {
  std::string longKey;
  std::string_view key = rawKey;
  if (key.size() > kMaxKeyBytes) {
    longKey = normalizeBucketKey(rawKey);
    key = longKey;
  }
  std::size_t h = Hash{}(key);
  // The map hashes the low bits; pick the shard from the high ones.
  Shard& shard = shards_[(h >> 58) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= perShard_) makeRoom(shard, nowNanos);
    it = shard.buckets.try_emplace(std::string(key)).first;
    size_.fetch_add(1, std::memory_order_relaxed);
  }
  return it->second.tryConsume(params, nowNanos);
}

void KeyedBuckets::makeRoom(Shard& shard, uint64_t nowNanos) {
  std::size_t before = shard.buckets.size();
  std::erase_if(shard.buckets, [&](const auto& entry) { return entry.second.idle(nowNanos); });
  std::size_t removed = before - shard.buckets.size();
  if (shard.buckets.size() < perShard_) {
    size_.fetch_sub(removed, std::memory_order_relaxed);
    return;
  }
  // Every bucket is busy: evict the eighth with the earliest tat (closest to full), so the
  // next perShard_/8 new keys insert without another scan.
  std::vector<uint64_t> tats;
  tats.reserve(shard.buckets.size());
  for (const auto& entry : shard.buckets) tats.push_back(entry.second.theoreticalArrival());
  std::size_t evict = std::max<std::size_t>(1, perShard_ / 8);
  std::nth_element(tats.begin(), tats.begin() + static_cast<std::ptrdiff_t>(evict - 1), tats.end());
  uint64_t cutoff = tats[evict - 1];
  std::size_t evicted = 0;
  for (auto it = shard.buckets.begin(); it != shard.buckets.end() && evicted < evict;) {
    if (it->second.theoreticalArrival() <= cutoff) {
      it = shard.buckets.erase(it);
      ++evicted;
    } else {
      ++it;
    }
  }
  size_.fetch_sub(removed + evicted, std::memory_order_relaxed);
  evictions_.fetch_add(evicted, std::memory_order_relaxed);
}

std::size_t KeyedBuckets::sweep(uint64_t nowNanos) {
  std::size_t removed = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    removed += std::erase_if(shard.buckets,
                             [&](const auto& entry) { return entry.second.idle(nowNanos); });
  }
  size_.fetch_sub(removed, std::memory_order_relaxed);
  return removed;
}

}  // namespace portico::ratelimit
