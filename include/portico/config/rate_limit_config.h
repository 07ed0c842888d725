// Typed model of Portico's RateLimitConfig (networking.istio.io/v1alpha3 or portico.dev/v1alpha1).
// See docs/rate-limiting.md for the schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portico/config/common.h"
#include "portico/config/virtual_service.h"

namespace portico::config {

struct RateLimitTargetRef {
  std::string kind;  // "VirtualService" | "Gateway"
  std::string name;  // target name
  std::string ns;    // target namespace (defaults to the RateLimitConfig's)
  Mark mark;
};

struct RateLimit {
  enum class Unit { kSecond, kMinute, kHour, kDay };
  enum class KeyKind { kNone, kRemoteAddress, kHeader };
  std::string name;
  std::vector<HttpMatchRequest> match;  // empty: every request
  KeyKind keyKind = KeyKind::kNone;
  std::string keyHeader;  // lower-cased, with KeyKind::kHeader
  uint64_t requestsPerUnit = 0;
  Unit unit = Unit::kSecond;
  uint64_t burst = 0;
  Mark mark;
};

struct RedisRateLimitBackend {
  enum class FailureMode { kAllow, kDeny };
  std::string address;  // host:port
  Duration timeout{50};
  FailureMode failureMode = FailureMode::kAllow;
  Mark mark;
};

struct RateLimitConfig {
  ResourceMeta meta;
  std::vector<RateLimitTargetRef> targetRefs;
  std::vector<RateLimit> limits;
  std::optional<RedisRateLimitBackend> redis;
};

}  // namespace portico::config
