// What the registry tells the data plane about one request: admitted or 429, and the
// x-ratelimit-* headers to put on the response either way (those of the most restrictive
// limit that applied: the one that rejected, else the one with the fewest tokens left).
#pragma once

#include <cstdint>
#include <string>

#include "portico/http/header_map.h"
#include "portico/ratelimit/token_bucket.h"

namespace portico::ratelimit {

class CompiledLimit;

struct RateLimitDecision {
  bool admitted = true;
  bool applied = false;            // some limit matched: the headers below are meaningful
  bool failureMode = false;        // decided by Redis failureMode (Redis down or too slow)
  uint64_t limit = 0;              // x-ratelimit-limit: requestsPerUnit of that limit
  uint64_t remaining = 0;          // x-ratelimit-remaining
  uint64_t resetSeconds = 0;       // x-ratelimit-reset: seconds until its bucket is full
  uint64_t retryAfterSeconds = 0;  // retry-after (rejections): until one token is back
  const CompiledLimit* decidingLimit = nullptr;

  // Folds one limit's outcome in: a rejection wins; among admissions the fewest remaining.
  void merge(const CompiledLimit& limit, const BucketOutcome& outcome);
  // x-ratelimit-limit/-remaining/-reset (and retry-after when rejected) when applied.
  void addHeaders(http::HeaderMap& headers) const;
};

// Whole seconds, rounded up (a client told "0" would retry at once).
uint64_t ceilSeconds(uint64_t nanos);

}  // namespace portico::ratelimit
