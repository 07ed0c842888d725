// A compiled Istio StringMatch (exact | prefix | regex | presence) used for method, scheme,
// authority, header and query values. Built by the compiler; regexes are compiled once with
// RE2 here and shared between copies, so matching never constructs anything.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

#include "portico/config/common.h"

namespace portico::route {

class StringMatcher {
 public:
  using Kind = config::StringMatch::Kind;

  StringMatcher() = default;  // presence: matches any value
  // `ignoreCase` applies to exact and prefix only (Istio's ignoreUriCase).
  explicit StringMatcher(const config::StringMatch& match, bool ignoreCase = false);

  bool matches(std::string_view value) const;

  Kind kind() const { return kind_; }
  const std::string& value() const { return value_; }
  bool ignoreCase() const { return ignoreCase_; }
  // False when the regex did not compile; such a matcher matches nothing.
  bool valid() const { return kind_ != Kind::kRegex || (regex_ && regex_->ok()); }

 private:
  Kind kind_ = Kind::kPresence;
  std::string value_;  // lower-cased when ignoreCase_
  bool ignoreCase_ = false;
  std::shared_ptr<const RE2> regex_;
};

// ASCII case-insensitive helpers shared by the matchers and the host table.
bool equalsIgnoreCase(std::string_view a, std::string_view lowerB);
bool startsWithIgnoreCase(std::string_view s, std::string_view lowerPrefix);
std::string toLowerAscii(std::string_view s);

}  // namespace portico::route
