#include "portico/route/string_matcher.h"

#include <algorithm>

namespace portico::route {
namespace {

inline char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view lowerB) {
  if (a.size() != lowerB.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerB[i]) return false;
  }
  return true;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view lowerPrefix) {
  return s.size() >= lowerPrefix.size() &&
         equalsIgnoreCase(s.substr(0, lowerPrefix.size()), lowerPrefix);
}

std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
  return out;
}

StringMatcher::StringMatcher(const config::StringMatch& match, bool ignoreCase)
    : kind_(match.kind), value_(match.value) {
  switch (kind_) {
    case Kind::kExact:
    case Kind::kPrefix:
      ignoreCase_ = ignoreCase;
      if (ignoreCase_) value_ = toLowerAscii(value_);
      break;
    case Kind::kRegex: {
      RE2::Options options;
      options.set_log_errors(false);
      regex_ = std::make_shared<const RE2>(value_, options);
      break;
    }
    case Kind::kPresence:
      break;
  }
}

bool StringMatcher::matches(std::string_view value) const {
  switch (kind_) {
    case Kind::kExact:
      return ignoreCase_ ? equalsIgnoreCase(value, value_) : value == value_;
    case Kind::kPrefix:
      return ignoreCase_ ? startsWithIgnoreCase(value, value_) : value.starts_with(value_);
    case Kind::kRegex:
      return regex_ && regex_->ok() && RE2::FullMatch(value, *regex_);
    case Kind::kPresence:
      return true;
  }
  return false;
}

}  // namespace portico::route
