#include "portico/route/request_matcher.h"

namespace portico::route {
namespace {

// Istio ignores these header keys: they are spelled as the dedicated fields.
bool isReservedHeaderKey(const std::string& name) {
  return name == "uri" || name == "scheme" || name == "method" || name == "authority";
}

}  // namespace

RequestMatcher::RequestMatcher(const config::HttpMatchRequest& match) {
  if (match.uri) path_ = PathMatcher(*match.uri, match.ignoreUriCase);
  if (match.scheme) scheme_.emplace(*match.scheme);
  if (match.method) method_.emplace(*match.method);
  if (match.authority) authority_.emplace(*match.authority);
  for (const auto& [name, value] : match.headers) {
    if (!isReservedHeaderKey(name)) headers_.emplace_back(name, value, false);
  }
  for (const auto& [name, value] : match.withoutHeaders) {
    if (!isReservedHeaderKey(name)) headers_.emplace_back(name, value, true);
  }
  for (const auto& [name, value] : match.queryParams) queryParams_.emplace_back(name, value);
}

bool RequestMatcher::conditionsHold(const MatchInput& input) const {
  if (method_ && !method_->matches(input.method)) return false;
  if (scheme_ && !scheme_->matches(input.scheme)) return false;
  if (authority_ && !authority_->matches(input.authority)) return false;
  for (const auto& header : headers_) {
    if (!header.matches(input)) return false;
  }
  for (const auto& query : queryParams_) {
    if (!query.matches(input.query)) return false;
  }
  return true;
}

}  // namespace portico::route
