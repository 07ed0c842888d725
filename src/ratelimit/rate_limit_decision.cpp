#include "portico/ratelimit/rate_limit_decision.h"

#include <algorithm>
#include <charconv>

#include "portico/ratelimit/compiled_limit.h"

namespace portico::ratelimit {

uint64_t ceilSeconds(uint64_t nanos) { return (nanos + 999'999'999) / 1'000'000'000; }

void RateLimitDecision::merge(const CompiledLimit& limit, const BucketOutcome& outcome) {
  bool take = false;
  if (!applied) {
    take = true;
  } else if (!outcome.admitted) {
    // The first rejection decides; a later one only if it waits longer.
    take = admitted || ceilSeconds(outcome.retryAfterNanos) > retryAfterSeconds;
  } else if (admitted) {
    take = outcome.remaining < remaining;
  }
  applied = true;
  if (!outcome.admitted) admitted = false;
  if (!take) return;
  decidingLimit = &limit;
  this->limit = limit.params().requestsPerUnit;
  remaining = outcome.admitted ? outcome.remaining : 0;
  resetSeconds = ceilSeconds(outcome.resetAfterNanos);
  retryAfterSeconds =
      outcome.admitted ? 0 : std::max<uint64_t>(1, ceilSeconds(outcome.retryAfterNanos));
}

void RateLimitDecision::addHeaders(http::HeaderMap& headers) const {
  if (!applied) return;
  char buf[24];
  auto text = [&buf](uint64_t v) {
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    return std::string_view(buf, static_cast<std::size_t>(end - buf));
  };
  headers.set("x-ratelimit-limit", text(limit));
  headers.set("x-ratelimit-remaining", text(remaining));
  headers.set("x-ratelimit-reset", text(resetSeconds));
  if (!admitted) headers.set("retry-after", text(retryAfterSeconds));
}

}  // namespace portico::ratelimit
