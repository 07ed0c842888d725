// The compiled uri condition of one match block. Besides matching, it reports how much of
// the path the condition covers, which rewrite.uri replaces (Envoy's "matched path").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "portico/config/common.h"
#include "portico/route/string_matcher.h"

namespace portico::route {

class PathMatcher {
 public:
  enum class Kind { kAny, kExact, kPrefix, kRegex };

  PathMatcher() = default;  // no uri condition: Istio's implicit prefix "/"
  PathMatcher(const config::StringMatch& uri, bool ignoreCase);

  // Length of the path the condition covers (prefix length for prefix matches, the whole
  // path for exact and regex, 1 for "no uri condition"); nullopt when it does not match.
  std::optional<uint32_t> match(std::string_view path) const;

  Kind kind() const { return kind_; }
  // Exact or prefix text (lower-cased when ignoreCase()).
  const std::string& value() const { return matcher_.value(); }
  bool ignoreCase() const { return matcher_.ignoreCase(); }

 private:
  Kind kind_ = Kind::kAny;
  StringMatcher matcher_;
};

}  // namespace portico::route
