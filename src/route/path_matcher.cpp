#include "portico/route/path_matcher.h"

namespace portico::route {

PathMatcher::PathMatcher(const config::StringMatch& uri, bool ignoreCase)
    : matcher_(uri, ignoreCase) {
  switch (uri.kind) {
    case config::StringMatch::Kind::kExact:
      kind_ = Kind::kExact;
      break;
    case config::StringMatch::Kind::kPrefix:
      kind_ = Kind::kPrefix;
      break;
    case config::StringMatch::Kind::kRegex:
      kind_ = Kind::kRegex;
      break;
    case config::StringMatch::Kind::kPresence:
      kind_ = Kind::kAny;
      break;
  }
}

std::optional<uint32_t> PathMatcher::match(std::string_view path) const {
  switch (kind_) {
    case Kind::kAny:
      return 1;
    case Kind::kPrefix:
      if (!matcher_.matches(path)) return std::nullopt;
      return static_cast<uint32_t>(matcher_.value().size());
    case Kind::kExact:
    case Kind::kRegex:
      if (!matcher_.matches(path)) return std::nullopt;
      return static_cast<uint32_t>(path.size());
  }
  return std::nullopt;
}

}  // namespace portico::route
