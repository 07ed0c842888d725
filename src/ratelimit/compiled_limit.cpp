#include "portico/ratelimit/compiled_limit.h"

#include <algorithm>

namespace portico::ratelimit {
namespace {

constexpr uint64_t kMaxDepthNanos = uint64_t{1} << 62;

void appendStringMatch(std::string& out, const config::StringMatch& m) {
  out += std::to_string(static_cast<int>(m.kind));
  out += ':';
  out += std::to_string(m.value.size());
  out += ':';
  out += m.value;
  out += ';';
}

void appendNamed(std::string& out, const char* field,
                 const std::vector<std::pair<std::string, config::StringMatch>>& list) {
  for (const auto& [name, match] : list) {
    out += field;
    out += std::to_string(name.size()) + ":" + name;
    appendStringMatch(out, match);
  }
}

}  // namespace

CompiledLimit::CompiledLimit(const config::RateLimit& limit, std::shared_ptr<LimitState> state)
    : name_(limit.name),
      keyKind_(limit.keyKind),
      keyHeader_(limit.keyHeader),
      params_(bucketParams(limit)),
      state_(std::move(state)) {
  for (const auto& match : limit.match)
    blocks_.push_back({route::RequestMatcher(match), match.port});
}

bool CompiledLimit::matches(const route::MatchInput& input) const {
  if (blocks_.empty()) return true;
  for (const auto& block : blocks_) {
    if (block.port != 0 && block.port != input.listenerPort) continue;
    if (block.matcher.match(input)) return true;
  }
  return false;
}

std::optional<std::string_view> CompiledLimit::key(const route::MatchInput& input,
                                                   std::string_view clientAddress) const {
  switch (keyKind_) {
    case KeyKind::kNone:
      return std::string_view();
    case KeyKind::kRemoteAddress:
      return clientAddress;
    case KeyKind::kHeader:
      if (!input.headers) return std::nullopt;
      return input.headers->find(keyHeader_);
  }
  return std::string_view();
}

uint64_t CompiledLimit::unitNanos(config::RateLimit::Unit unit) {
  constexpr uint64_t kSecond = 1'000'000'000;
  switch (unit) {
    case config::RateLimit::Unit::kSecond:
      return kSecond;
    case config::RateLimit::Unit::kMinute:
      return 60 * kSecond;
    case config::RateLimit::Unit::kHour:
      return 3600 * kSecond;
    case config::RateLimit::Unit::kDay:
      return 86400 * kSecond;
  }
  return kSecond;
}

BucketParams CompiledLimit::bucketParams(const config::RateLimit& limit) {
  BucketParams p;
  p.requestsPerUnit = std::max<uint64_t>(1, limit.requestsPerUnit);
  // Rates above one request per nanosecond are clamped to it.
  p.emissionNanos = std::max<uint64_t>(1, unitNanos(limit.unit) / p.requestsPerUnit);
  uint64_t capacity = p.requestsPerUnit + limit.burst;
  if (capacity < p.requestsPerUnit) capacity = UINT64_MAX;  // overflow
  p.capacity = std::min(capacity, kMaxDepthNanos / p.emissionNanos);
  return p;
}

std::string CompiledLimit::definition(const config::RateLimit& limit) {
  std::string out = "name=" + limit.name + ";rpu=" + std::to_string(limit.requestsPerUnit) +
                    ";unit=" + std::to_string(static_cast<int>(limit.unit)) +
                    ";burst=" + std::to_string(limit.burst) +
                    ";key=" + std::to_string(static_cast<int>(limit.keyKind)) + ":" +
                    limit.keyHeader + ";";
  for (const auto& m : limit.match) {
    out += "match{";
    if (m.uri) {
      out += "uri";
      appendStringMatch(out, *m.uri);
    }
    if (m.scheme) {
      out += "scheme";
      appendStringMatch(out, *m.scheme);
    }
    if (m.method) {
      out += "method";
      appendStringMatch(out, *m.method);
    }
    if (m.authority) {
      out += "authority";
      appendStringMatch(out, *m.authority);
    }
    appendNamed(out, "h", m.headers);
    appendNamed(out, "wh", m.withoutHeaders);
    appendNamed(out, "q", m.queryParams);
    out += "port=" + std::to_string(m.port) + ";icase=" + (m.ignoreUriCase ? "1" : "0") + "}";
  }
  return out;
}

}  // namespace portico::ratelimit
