// One limit of a RateLimitConfig as compiled for the data plane: its match blocks (any of
// them, or none for every request), how its key is read, its bucket parameters and the
// registry-owned state it updates. Immutable; lives in a RateLimitPolicy.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/rate_limit_config.h"
#include "portico/ratelimit/limit_state.h"
#include "portico/ratelimit/token_bucket.h"
#include "portico/route/match_input.h"
#include "portico/route/request_matcher.h"

namespace portico::ratelimit {

class CompiledLimit {
 public:
  using KeyKind = config::RateLimit::KeyKind;

  CompiledLimit(const config::RateLimit& limit, std::shared_ptr<LimitState> state);

  // True when some match block (or none configured) fits the request.
  bool matches(const route::MatchInput& input) const;
  // The bucket key: "" for unkeyed limits, the client address, or the header value;
  // nullopt for a header-keyed limit when the request has no such header (those requests
  // share one bucket).
  std::optional<std::string_view> key(const route::MatchInput& input,
                                      std::string_view clientAddress) const;

  const std::string& name() const { return name_; }
  KeyKind keyKind() const { return keyKind_; }
  const BucketParams& params() const { return params_; }
  LimitState& state() const { return *state_; }
  const std::shared_ptr<LimitState>& sharedState() const { return state_; }

  // Bucket parameters for a limit definition (capacity = requestsPerUnit + burst, one token
  // every unit/requestsPerUnit ns, saturating so that capacity * emission fits 62 bits).
  static BucketParams bucketParams(const config::RateLimit& limit);
  // Nanoseconds in a unit.
  static uint64_t unitNanos(config::RateLimit::Unit unit);
  // Stable text of everything that defines the limit's behaviour (name, match, key, rate,
  // burst): limits with equal definitions share state across reloads.
  static std::string definition(const config::RateLimit& limit);

 private:
  struct Block {
    route::RequestMatcher matcher;
    uint32_t port = 0;  // 0: any listener port
  };
  std::string name_;
  std::vector<Block> blocks_;
  KeyKind keyKind_ = KeyKind::kNone;
  std::string keyHeader_;
  BucketParams params_;
  std::shared_ptr<LimitState> state_;
};

}  // namespace portico::ratelimit
