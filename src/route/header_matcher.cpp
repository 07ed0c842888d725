#include "portico/route/header_matcher.h"

#include <optional>
#include <utility>

namespace portico::route {

HeaderMatcher::HeaderMatcher(std::string lowerName, const config::StringMatch& match, bool invert)
    : name_(std::move(lowerName)), matcher_(match), invert_(invert) {
  if (name_ == ":method")
    source_ = Source::kMethod;
  else if (name_ == ":scheme")
    source_ = Source::kScheme;
  else if (name_ == ":authority")
    source_ = Source::kAuthority;
  else if (name_ == ":path")
    source_ = Source::kPath;
}

bool HeaderMatcher::matches(const MatchInput& input) const {
  std::optional<std::string_view> value;
  std::string pathWithQuery;  // only built for a ":path" condition on a request with a query
  switch (source_) {
    case Source::kHeader:
      if (input.headers != nullptr) value = input.headers->find(name_);
      // HTTP/1.1 Host and HTTP/2 :authority are one thing to a matcher.
      if (!value && name_ == "host" && !input.authority.empty()) value = input.authority;
      break;
    case Source::kMethod:
      value = input.method;
      break;
    case Source::kScheme:
      value = input.scheme;
      break;
    case Source::kAuthority:
      value = input.authority;
      break;
    case Source::kPath:
      if (input.query.empty()) {
        value = input.path;
      } else {
        pathWithQuery.reserve(input.path.size() + 1 + input.query.size());
        pathWithQuery.append(input.path).append(1, '?').append(input.query);
        value = pathWithQuery;
      }
      break;
  }
  if (matcher_.kind() == StringMatcher::Kind::kPresence) return value.has_value() != invert_;
  if (!value) {
    if (!invert_) return false;
    value = std::string_view();  // treat_missing_header_as_empty for withoutHeaders
  }
  return matcher_.matches(*value) != invert_;
}

}  // namespace portico::route
