// One compiled header condition of a match block: `headers` (must match) or
// `withoutHeaders` (inverted; a missing header counts as the empty string, except for
// presence matchers, where it simply means "absent"). The pseudo-headers :method, :scheme,
// :authority and :path are read from the request head itself.
#pragma once

#include <string>

#include "portico/config/common.h"
#include "portico/route/match_input.h"
#include "portico/route/string_matcher.h"

namespace portico::route {

class HeaderMatcher {
 public:
  HeaderMatcher(std::string lowerName, const config::StringMatch& match, bool invert);

  bool matches(const MatchInput& input) const;
  const std::string& name() const { return name_; }
  bool inverted() const { return invert_; }

 private:
  enum class Source { kHeader, kMethod, kScheme, kAuthority, kPath };

  std::string name_;
  Source source_ = Source::kHeader;
  StringMatcher matcher_;
  bool invert_ = false;
};

}  // namespace portico::route
