// One compiled queryParams condition. The query string is parsed with Boost.URL and
// percent-decoded; the first occurrence of the key is the one tested. `exact: ""` matches a
// key given without a value (`?debug`), presence matches any occurrence.
#pragma once

#include <string>
#include <string_view>

#include "portico/config/common.h"
#include "portico/route/string_matcher.h"

namespace portico::route {

class QueryMatcher {
 public:
  QueryMatcher(std::string name, const config::StringMatch& match);

  // `query` is the raw query string, without '?'.
  bool matches(std::string_view query) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  StringMatcher matcher_;
};

}  // namespace portico::route
